package vmm.core.bus;

import vmm.core.device.BusDevice;

/**
 * A range claimed on a {@link Bus}: {@code length} addresses from {@code base} (unsigned on
 * the 64-bit MMIO bus), served by {@code device}, called {@code name} in logs and errors.
 */
public record BusRange(long base, long length, String name, BusDevice device) {

    /** The last address of the range (inclusive, so a range ending at 2^64 - 1 is fine). */
    public long last() {
        return base + length - 1;
    }

    /** Whether {@code count} bytes from {@code address} lie inside the range. */
    public boolean containsAccess(long address, int count) {
        long offset = address - base;
        return Long.compareUnsigned(offset, length) < 0 && Long.compareUnsigned(count, length - offset) <= 0;
    }

    boolean overlaps(long otherBase, long otherLength) {
        return Long.compareUnsigned(base, otherBase + otherLength - 1) <= 0
                && Long.compareUnsigned(otherBase, last()) <= 0;
    }

    @Override
    public String toString() {
        return name + " [0x" + Long.toHexString(base) + "-0x" + Long.toHexString(last()) + "]";
    }
}
