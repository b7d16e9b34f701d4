package vmm.core.internal.memory;

/**
 * One entry of the BIOS e820 memory map a Linux boot protocol hands the guest.
 *
 * @param address first guest-physical address
 * @param size    bytes
 * @param type    what the range is
 */
public record E820Entry(long address, long size, Type type) {

    /** The e820 types, with the numbers the boot protocol uses. */
    public enum Type {
        RAM(1), RESERVED(2), ACPI(3), NVS(4);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    public long end() {
        return address + size;
    }
}
