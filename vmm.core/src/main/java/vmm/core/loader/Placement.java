package vmm.core.loader;

/**
 * One thing a loader wrote into guest RAM, so the caller can identity-map it, avoid it when it
 * places its own structures (page tables, ACPI tables) and log the layout.
 *
 * @param kind    what it is
 * @param address first guest-physical address
 * @param size    bytes the guest may use there (for the kernel: including its bss and the
 *                room it needs to decompress itself)
 */
public record Placement(Kind kind, long address, long size) {

    public enum Kind {
        /** The kernel image (a bzImage's protected-mode part, or one ELF PT_LOAD segment). */
        KERNEL,
        /** The zero page (boot_params) or the PVH hvm_start_info. */
        BOOT_PARAMS,
        /** The NUL-terminated kernel command line. */
        COMMAND_LINE,
        /** The initial ramdisk. */
        INITRD,
        /** The PVH module list (hvm_modlist_entry array). */
        MODULE_LIST,
        /** The PVH memory map (hvm_memmap_table_entry array). */
        MEMORY_MAP
    }

    public Placement {
        if (kind == null || address < 0 || size < 0 || address + size < address) {
            throw new IllegalArgumentException("bad placement " + kind + " 0x" + Long.toHexString(address) + "+" + size);
        }
    }

    public long end() {
        return address + size;
    }

    public boolean overlaps(long otherAddress, long otherSize) {
        return otherAddress < end() && address < otherAddress + otherSize;
    }

    @Override
    public String toString() {
        return kind + " [0x" + Long.toHexString(address) + "-0x" + Long.toHexString(end()) + ")";
    }
}
