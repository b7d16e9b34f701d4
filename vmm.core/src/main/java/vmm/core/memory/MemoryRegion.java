package vmm.core.memory;

/**
 * One contiguous range of guest RAM.
 *
 * @param guestAddress first guest-physical address
 * @param size         bytes
 */
public record MemoryRegion(long guestAddress, long size) {

    public MemoryRegion {
        if (guestAddress < 0 || size <= 0 || guestAddress + size < 0) {
            throw new IllegalArgumentException("bad memory region " + guestAddress + "+" + size);
        }
    }

    public long end() {
        return guestAddress + size;
    }

    public boolean contains(long gpa, long length) {
        return gpa >= guestAddress && length >= 0 && gpa + length <= end() && gpa + length >= gpa;
    }
}
