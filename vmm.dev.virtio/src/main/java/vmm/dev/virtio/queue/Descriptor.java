package vmm.dev.virtio.queue;

import java.lang.foreign.MemorySegment;

/**
 * One buffer of a descriptor chain, already checked against guest RAM.
 *
 * @param gpa      guest-physical address
 * @param data     the guest memory itself (zero copy), exactly {@code length} bytes
 * @param writable whether the device writes it (VIRTQ_DESC_F_WRITE)
 */
public record Descriptor(long gpa, MemorySegment data, boolean writable) {

    public int length() {
        return (int) data.byteSize();
    }
}
