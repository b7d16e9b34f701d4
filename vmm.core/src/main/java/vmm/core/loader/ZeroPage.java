package vmm.core.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import vmm.core.memory.GuestMemory;

/**
 * Builds struct boot_params (the "zero page", Documentation/arch/x86/zero-page.rst) for the
 * 64-bit boot protocol: all zero, the file's setup header copied to 0x1f1, then the fields a
 * boot loader owns filled in. Fields are 32-bit in the header with their high halves in the
 * ext_* fields, so everything may sit above 4 GiB.
 */
final class ZeroPage {

    static final int EXT_RAMDISK_IMAGE = 0x0c0;
    static final int EXT_RAMDISK_SIZE = 0x0c4;
    static final int EXT_CMD_LINE_PTR = 0x0c8;
    static final int E820_ENTRIES = 0x1e8;
    static final int E820_TABLE = 0x2d0;
    static final int E820_ENTRY_SIZE = 20;

    /** "Undefined" boot loader: we have no ID assigned by the kernel maintainers. */
    static final int TYPE_OF_LOADER_UNDEFINED = 0xff;

    private ZeroPage() {
    }

    /**
     * Writes the zero page at {@code address}.
     *
     * @param initrdAddress 0 with {@code initrdSize} 0 for no initrd
     */
    static void write(GuestMemory memory, long address, SetupHeader header, long commandLine,
                      long initrdAddress, long initrdSize, E820Map e820) {
        ByteBuffer page = ByteBuffer.allocate((int) LowMemoryLayout.ZERO_PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        page.put(SetupHeader.OFFSET, header.raw());

        page.put(SetupHeader.TYPE_OF_LOADER, (byte) TYPE_OF_LOADER_UNDEFINED);
        page.putInt(SetupHeader.CMD_LINE_PTR, (int) commandLine);
        page.putInt(EXT_CMD_LINE_PTR, (int) (commandLine >>> 32));
        page.putInt(SetupHeader.RAMDISK_IMAGE, (int) initrdAddress);
        page.putInt(EXT_RAMDISK_IMAGE, (int) (initrdAddress >>> 32));
        page.putInt(SetupHeader.RAMDISK_SIZE, (int) initrdSize);
        page.putInt(EXT_RAMDISK_SIZE, (int) (initrdSize >>> 32));

        // The caller checked that the map fits in the zero page's table.
        page.put(E820_ENTRIES, (byte) e820.entries().size());
        int at = E820_TABLE;
        for (E820Entry entry : e820.entries()) {
            page.putLong(at, entry.address());
            page.putLong(at + 8, entry.size());
            page.putInt(at + 16, entry.type().code());
            at += E820_ENTRY_SIZE;
        }
        memory.write(address, page);
    }
}
