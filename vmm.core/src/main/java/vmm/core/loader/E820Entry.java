package vmm.core.loader;

/**
 * One entry of the BIOS e820 memory map, as Linux reads it from the zero page (and from the
 * PVH memory map, which uses the same type numbers).
 *
 * @param address first guest-physical address
 * @param size    bytes
 * @param type    what the range is
 */
public record E820Entry(long address, long size, Type type) {

    /** e820 range types (the numbers are the ABI). */
    public enum Type {
        RAM(1), RESERVED(2), ACPI(3), NVS(4), UNUSABLE(5);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    public E820Entry {
        if (type == null || address < 0 || size <= 0 || address + size < address) {
            throw new IllegalArgumentException("bad e820 entry 0x" + Long.toHexString(address) + "+" + size + " " + type);
        }
    }

    public long end() {
        return address + size;
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(address) + "-0x" + Long.toHexString(end() - 1) + "] " + type;
    }
}
