package vmm.core.loader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The setup header of a bzImage (Linux x86 boot protocol, Documentation/arch/x86/boot.rst),
 * parsed and checked for what the 64-bit boot protocol needs. Offsets are those of the file,
 * which are also those of the zero page: the header is copied there unchanged.
 *
 * @param raw the header bytes from 0x1f1 to its end (0x202 + the byte at 0x201)
 */
record SetupHeader(
        int setupSects,
        long syssize,
        int version,
        int loadflags,
        long initrdAddrMax,
        long kernelAlignment,
        boolean relocatable,
        int xloadflags,
        long cmdlineSize,
        long payloadOffset,
        long payloadLength,
        long prefAddress,
        long initSize,
        byte[] raw) {

    static final int OFFSET = 0x1f1;
    static final int SETUP_SECTS = 0x1f1;
    static final int SYSSIZE = 0x1f4;
    static final int BOOT_FLAG = 0x1fe;
    static final int JUMP = 0x200;
    static final int HEADER = 0x202;
    static final int VERSION = 0x206;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21c;
    static final int CMD_LINE_PTR = 0x228;
    static final int INITRD_ADDR_MAX = 0x22c;
    static final int KERNEL_ALIGNMENT = 0x230;
    static final int RELOCATABLE_KERNEL = 0x234;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int PAYLOAD_OFFSET = 0x248;
    static final int PAYLOAD_LENGTH = 0x24c;
    static final int PREF_ADDRESS = 0x258;
    static final int INIT_SIZE = 0x260;
    /** First byte after init_size: a 2.12+ header reaches at least here. */
    static final int MIN_END = 0x264;
    /** boot_params has room for the header up to here (edd_mbr_sig_buffer follows). */
    static final int MAX_END = 0x290;

    static final int MAGIC_HDRS = 0x53726448; // "HdrS" little-endian
    static final int BOOT_FLAG_VALUE = 0xaa55;
    /** 2.12 added xloadflags, which says whether there is a 64-bit entry. */
    static final int MIN_VERSION = 0x020c;
    static final int LOADED_HIGH = 0x01;
    static final int XLF_KERNEL_64 = 0x01;
    /**
     * The real-mode part (boot sector + setup) runs in one 64 KiB segment with its heap and
     * stack above it, so the protocol bounds it to 32 KiB: more sectors than that is not a
     * kernel.
     */
    static final int MAX_SETUP_SECTS = 0x8000 / 512 - 1;

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    /** Bytes of the real-mode part in the file; the protected-mode kernel follows. */
    long setupSize() {
        return (setupSects == 0 ? 4L + 1 : setupSects + 1L) * 512;
    }

    String versionString() {
        return (version >> 8) + "." + (version & 0xff);
    }

    boolean has64BitEntry() {
        return (xloadflags & XLF_KERNEL_64) != 0;
    }

    /** Reads and validates the header of {@code file}; every rejection names the problem. */
    static SetupHeader read(KernelFile file) throws IOException {
        if (file.size() < MIN_END) {
            throw file.error("not a bzImage: " + file.size() + " bytes is too short for a Linux setup header");
        }
        ByteBuffer b = file.read(0, MAX_END, "setup header").order(ByteOrder.LITTLE_ENDIAN);
        // Every real bzImage is far longer than 0x290 bytes; a shorter file is reported as truncated.
        int magic = b.getInt(HEADER);
        if (magic != MAGIC_HDRS) {
            throw file.error(String.format("not a bzImage: no \"HdrS\" magic at 0x202 (found 0x%08x)", magic));
        }
        int bootFlag = Short.toUnsignedInt(b.getShort(BOOT_FLAG));
        if (bootFlag != BOOT_FLAG_VALUE) {
            throw file.error(String.format("not a bzImage: boot_flag is 0x%04x, not 0xaa55", bootFlag));
        }
        int version = Short.toUnsignedInt(b.getShort(VERSION));
        if (version < MIN_VERSION) {
            throw file.error(String.format("boot protocol %d.%d is too old: the 64-bit entry needs 2.12 or later",
                    version >> 8, version & 0xff));
        }
        int end = HEADER + Byte.toUnsignedInt(b.get(JUMP + 1));
        if (end < MIN_END || end > MAX_END) {
            throw file.error(String.format("setup header ends at 0x%x, outside 0x%x-0x%x for protocol %d.%d",
                    end, MIN_END, MAX_END, version >> 8, version & 0xff));
        }
        int setupSects = Byte.toUnsignedInt(b.get(SETUP_SECTS));
        if (setupSects > MAX_SETUP_SECTS) {
            throw file.error("setup_sects " + setupSects + " is absurd: the real-mode part may be at most "
                    + MAX_SETUP_SECTS + " sectors (32 KiB with the boot sector)");
        }
        int loadflags = Byte.toUnsignedInt(b.get(LOADFLAGS));
        if ((loadflags & LOADED_HIGH) == 0) {
            throw file.error("loadflags has no LOADED_HIGH: this is a zImage, which loads at 0x10000 and has no 64-bit entry");
        }
        int xloadflags = Short.toUnsignedInt(b.getShort(XLOADFLAGS));
        if ((xloadflags & XLF_KERNEL_64) == 0) {
            throw file.error(String.format("xloadflags 0x%x has no XLF_KERNEL_64: the kernel has no 64-bit entry point",
                    xloadflags));
        }
        long alignment = Integer.toUnsignedLong(b.getInt(KERNEL_ALIGNMENT));
        if (alignment == 0 || Long.bitCount(alignment) != 1) {
            throw file.error("kernel_alignment 0x" + Long.toHexString(alignment) + " is not a power of two");
        }
        long prefAddress = b.getLong(PREF_ADDRESS);
        if (prefAddress < 0x10_0000 || (prefAddress & (alignment - 1)) != 0 && b.get(RELOCATABLE_KERNEL) != 0) {
            throw file.error("pref_address 0x" + Long.toHexString(prefAddress)
                    + " is below 1 MiB or not aligned to kernel_alignment 0x" + Long.toHexString(alignment));
        }
        byte[] raw = new byte[end - OFFSET];
        b.get(OFFSET, raw);
        SetupHeader header = new SetupHeader(
                setupSects,
                Integer.toUnsignedLong(b.getInt(SYSSIZE)),
                version,
                loadflags,
                Integer.toUnsignedLong(b.getInt(INITRD_ADDR_MAX)),
                alignment,
                b.get(RELOCATABLE_KERNEL) != 0,
                xloadflags,
                Integer.toUnsignedLong(b.getInt(CMDLINE_SIZE)),
                Integer.toUnsignedLong(b.getInt(PAYLOAD_OFFSET)),
                Integer.toUnsignedLong(b.getInt(PAYLOAD_LENGTH)),
                prefAddress,
                Integer.toUnsignedLong(b.getInt(INIT_SIZE)),
                raw);
        header.checkAgainstFile(file);
        return header;
    }

    /** The sizes the header claims must agree with the file. */
    private void checkAgainstFile(KernelFile file) throws KernelLoadException {
        if (setupSize() >= file.size()) {
            throw file.error("setup_sects " + setupSects + " puts the kernel at offset " + setupSize()
                    + ", past the end of the " + file.size() + "-byte file");
        }
        long kernelSize = file.size() - setupSize();
        if (syssize * 16 > kernelSize) {
            throw file.error("truncated: syssize says the protected-mode kernel has " + syssize * 16
                    + " bytes but the file holds only " + kernelSize + " after the setup code");
        }
        if (payloadOffset + payloadLength > kernelSize) {
            throw file.error("truncated: the compressed payload (offset " + payloadOffset + ", length "
                    + payloadLength + ") ends past the protected-mode kernel (" + kernelSize + " bytes)");
        }
    }
}
