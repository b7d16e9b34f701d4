package vmm.core.loader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The multiboot v1 header: a 4-byte aligned record within the first 8 KiB of the kernel file,
 * {@code magic, flags, checksum} (summing to 0 mod 2^32) and, with flag 16, the a.out-kludge
 * addresses that say where to load a kernel that is not ELF.
 *
 * @param fileOffset where the header starts in the file
 */
record MultibootHeader(long fileOffset, int flags, long headerAddr, long loadAddr, long loadEndAddr,
                       long bssEndAddr, long entryAddr) {

    static final int MAGIC = 0x1BADB002;
    static final int SEARCH_LIMIT = 8192;
    /** Flag 16: the address fields are valid (a.out kludge); without it the ELF headers say where to load. */
    static final int FLAG_ADDRESSES = 1 << 16;
    /** Flags 0 (page-align modules), 1 (memory information) and 2 (video mode, a hint) are understood. */
    static final int KNOWN_REQUIRED = 0b111;

    boolean hasAddresses() {
        return (flags & FLAG_ADDRESSES) != 0;
    }

    /** The header of {@code file}, or empty when the first 8 KiB hold none with a valid checksum. */
    static Optional<MultibootHeader> find(KernelFile file) throws IOException {
        int length = (int) Math.min(SEARCH_LIMIT, file.size());
        if (length < 12) {
            return Optional.empty();
        }
        ByteBuffer b = file.read(0, length, "the multiboot header search area");
        for (int at = 0; at + 12 <= length; at += 4) {
            if (b.getInt(at) != MAGIC) {
                continue;
            }
            int flags = b.getInt(at + 4);
            if (MAGIC + flags + b.getInt(at + 8) != 0) {
                continue; // a stray magic value in code or data, not a header
            }
            if ((flags & 0xffff & ~KNOWN_REQUIRED) != 0) {
                // The spec: a loader must refuse a kernel whose required flags (0-15) it does not know.
                throw file.error("the multiboot header asks for features 0x"
                        + Integer.toHexString(flags & 0xffff & ~KNOWN_REQUIRED) + " (flags 0x"
                        + Integer.toHexString(flags) + ") that this loader does not provide");
            }
            if ((flags & FLAG_ADDRESSES) == 0) {
                return Optional.of(new MultibootHeader(at, flags, 0, 0, 0, 0, 0));
            }
            file.requireRange(at, 32, "the multiboot header's address fields");
            ByteBuffer f = file.read(at, 32, "the multiboot header's address fields");
            return Optional.of(new MultibootHeader(at, flags, Integer.toUnsignedLong(f.getInt(12)),
                    Integer.toUnsignedLong(f.getInt(16)), Integer.toUnsignedLong(f.getInt(20)),
                    Integer.toUnsignedLong(f.getInt(24)), Integer.toUnsignedLong(f.getInt(28))));
        }
        return Optional.empty();
    }
}
