package vmm.core.loader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

import vmm.core.memory.GuestMemory;

/**
 * Puts an initrd as high as it fits below a limit, page aligned, as boot loaders
 * traditionally do: that keeps it out of the way of the kernel, which decompresses and
 * allocates upwards from low memory.
 */
final class InitrdPlacer {

    private InitrdPlacer() {
    }

    /** Places and copies {@code initrd}; its end stays at or below {@code limit}. */
    static Placement place(Path initrd, GuestMemory memory, BootLayout layout, long limit) throws IOException {
        try (KernelFile file = KernelFile.open(initrd)) {
            long size = file.size();
            if (size == 0) {
                throw file.error("the initrd is empty");
            }
            OptionalLong address = layout.highestFit(size, LowMemoryLayout.PAGE, limit);
            if (address.isEmpty()) {
                throw file.error("the initrd (" + size + " bytes) does not fit in free guest RAM below 0x"
                        + Long.toHexString(limit) + " next to the kernel");
            }
            Placement placed = layout.claim(initrd, Placement.Kind.INITRD, address.getAsLong(), size, "the initrd");
            file.copyToGuest(0, size, memory, placed.address(), "the initrd");
            return placed;
        }
    }
}
