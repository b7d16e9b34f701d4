package vmm.core.loader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.memory.GuestMemory;

/**
 * Loads a Linux bzImage for the 64-bit boot protocol: the protected-mode kernel at its
 * preferred address, the command line, an optional initrd and the zero page. The real-mode
 * setup code is not loaded: with the 64-bit entry nothing runs it.
 */
public final class BzImageLoader {

    private static final Logger LOG = LoggerFactory.getLogger(BzImageLoader.class);

    /** The 64-bit entry sits 0x200 bytes into the protected-mode kernel (startup_64). */
    static final long ENTRY_64_OFFSET = 0x200;

    private final GuestMemory memory;
    private final E820Map e820;

    public BzImageLoader(GuestMemory memory, E820Map e820) {
        this.memory = memory;
        this.e820 = e820;
    }

    /**
     * Loads {@code kernel} with {@code commandLine} and, when {@code initrd} is not null, that
     * initrd.
     *
     * @throws KernelLoadException the kernel or initrd cannot be booted this way (names the file
     *                             and the problem)
     * @throws IOException         a file cannot be read
     */
    public BootInfo load(Path kernel, String commandLine, Path initrd) throws IOException {
        if (e820.entries().size() > E820Map.MAX_BOOT_ENTRIES) {
            throw new KernelLoadException(kernel, "the memory map has " + e820.entries().size()
                    + " entries; the zero page holds " + E820Map.MAX_BOOT_ENTRIES);
        }
        BootLayout layout = new BootLayout(e820);
        try (KernelFile file = KernelFile.open(kernel)) {
            SetupHeader header = SetupHeader.read(file);
            layout.claim(kernel, Placement.Kind.BOOT_PARAMS, LowMemoryLayout.ZERO_PAGE,
                    LowMemoryLayout.ZERO_PAGE_SIZE, "the zero page");
            byte[] cmdline = CommandLine.bytes(kernel, commandLine, header.cmdlineSize(), "cmdline_size of the kernel");
            Placement cmdlinePlaced = layout.claim(kernel, Placement.Kind.COMMAND_LINE,
                    LowMemoryLayout.COMMAND_LINE, cmdline.length, "the command line");
            memory.write(cmdlinePlaced.address(), ByteBuffer.wrap(cmdline));

            long loadAddress = placeKernel(file, header, layout);
            long kernelSize = file.size() - header.setupSize();
            file.copyToGuest(header.setupSize(), kernelSize, memory, loadAddress, "the protected-mode kernel");

            long initrdAddress = 0;
            long initrdSize = 0;
            if (initrd != null) {
                // initrd_addr_max is the highest address the initrd may occupy (inclusive).
                long limit = Math.min(header.initrdAddrMax() + 1, LowMemoryLayout.FOUR_GIB);
                Placement placed = InitrdPlacer.place(initrd, memory, layout, limit);
                initrdAddress = placed.address();
                initrdSize = placed.size();
            }
            ZeroPage.write(memory, LowMemoryLayout.ZERO_PAGE, header, cmdlinePlaced.address(),
                    initrdAddress, initrdSize, e820);

            BootInfo info = new BootInfo(EntryMode.LINUX_64BIT, loadAddress + ENTRY_64_OFFSET,
                    LowMemoryLayout.ZERO_PAGE, layout.placements());
            LOG.info("Loaded bzImage {} (boot protocol {}) at 0x{}, entry 0x{}: {}", kernel, header.versionString(),
                    Long.toHexString(loadAddress), Long.toHexString(info.entryPoint()), info.placements());
            return info;
        }
    }

    /**
     * Claims the range the kernel needs: init_size bytes from the load address (the kernel
     * decompresses itself in there). A relocatable kernel may move up in kernel_alignment steps
     * if something is in the way; never below pref_address, because the decompressor would
     * still extract the kernel to its link address and run past what we reserved.
     */
    private long placeKernel(KernelFile file, SetupHeader header, BootLayout layout) throws KernelLoadException {
        long kernelSize = file.size() - header.setupSize();
        long needed = Math.max(header.initSize(), kernelSize);
        if (needed > memory.size()) {
            throw file.error("the kernel needs " + needed + " bytes of RAM to decompress (init_size) but the guest has only "
                    + memory.size());
        }
        long address = header.prefAddress();
        if (header.relocatable()) {
            OptionalLong fit = layout.lowestFit(needed, header.kernelAlignment(), header.prefAddress());
            if (fit.isEmpty()) {
                throw file.error("no usable RAM for the kernel's " + needed + " bytes (init_size) at or above 0x"
                        + Long.toHexString(header.prefAddress()) + " aligned to 0x"
                        + Long.toHexString(header.kernelAlignment()) + " (memory map: " + e820 + ")");
            }
            address = fit.getAsLong();
        }
        layout.claim(file.path(), Placement.Kind.KERNEL, address, needed, "the kernel (init_size)");
        return address;
    }
}
