package vmm.core.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import vmm.core.memory.GuestMemory;

/**
 * Writes the Xen PVH boot structures (xen/include/public/arch-x86/hvm/start_info.h, version 1):
 * struct hvm_start_info, an hvm_modlist_entry for the initrd and the memory map as
 * hvm_memmap_table_entry records. Linux's PVH entry reads all three and builds its own zero
 * page from them.
 */
final class PvhStartInfo {

    static final int MAGIC = 0x336ec578;
    static final int VERSION = 1;
    static final int START_INFO_SIZE = 56;
    static final int MODLIST_ENTRY_SIZE = 32;
    static final int MEMMAP_ENTRY_SIZE = 24;

    static final int OFF_MAGIC = 0;
    static final int OFF_VERSION = 4;
    static final int OFF_FLAGS = 8;
    static final int OFF_NR_MODULES = 12;
    static final int OFF_MODLIST_PADDR = 16;
    static final int OFF_CMDLINE_PADDR = 24;
    static final int OFF_RSDP_PADDR = 32;
    static final int OFF_MEMMAP_PADDR = 40;
    static final int OFF_MEMMAP_ENTRIES = 48;

    private PvhStartInfo() {
    }

    /** The hvm_start_info; {@code modules} is 0 or 1 (the initrd), its list at {@code modlist}. */
    static void writeStartInfo(GuestMemory memory, long address, long commandLine, int modules, long modlist,
                               long memmap, int memmapEntries) {
        ByteBuffer b = ByteBuffer.allocate(START_INFO_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(OFF_MAGIC, MAGIC);
        b.putInt(OFF_VERSION, VERSION);
        b.putInt(OFF_FLAGS, 0);
        b.putInt(OFF_NR_MODULES, modules);
        b.putLong(OFF_MODLIST_PADDR, modules == 0 ? 0 : modlist);
        b.putLong(OFF_CMDLINE_PADDR, commandLine);
        // No ACPI tables yet: 0 makes Linux search the BIOS areas for an RSDP as on bare metal.
        b.putLong(OFF_RSDP_PADDR, 0);
        b.putLong(OFF_MEMMAP_PADDR, memmap);
        b.putInt(OFF_MEMMAP_ENTRIES, memmapEntries);
        memory.write(address, b);
    }

    /** One hvm_modlist_entry: the module has no command line of its own. */
    static void writeModule(GuestMemory memory, long address, long moduleAddress, long moduleSize) {
        ByteBuffer b = ByteBuffer.allocate(MODLIST_ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, moduleAddress);
        b.putLong(8, moduleSize);
        b.putLong(16, 0);
        b.putLong(24, 0);
        memory.write(address, b);
    }

    /** The e820 map as hvm_memmap_table_entry records (same type numbers as e820). */
    static void writeMemoryMap(GuestMemory memory, long address, E820Map e820) {
        ByteBuffer b = ByteBuffer.allocate(e820.entries().size() * MEMMAP_ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (E820Entry entry : e820.entries()) {
            b.putLong(entry.address());
            b.putLong(entry.size());
            b.putInt(entry.type().code());
            b.putInt(0);
        }
        memory.write(address, b.flip());
    }
}
