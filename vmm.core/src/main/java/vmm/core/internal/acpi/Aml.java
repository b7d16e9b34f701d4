package vmm.core.internal.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of an AML encoder (ACPI 6.x, chapter 20) to write the DSDT by hand: scopes,
 * devices, named objects, integers, strings, packages, buffers and EISA IDs. Each method
 * returns the encoded bytes of one term, so terms nest by passing them as arguments.
 */
final class Aml {
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int ONES_OP = 0xff;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0a;
    static final int WORD_PREFIX = 0x0b;
    static final int DWORD_PREFIX = 0x0c;
    static final int STRING_PREFIX = 0x0d;
    static final int QWORD_PREFIX = 0x0e;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int EXT_OP_PREFIX = 0x5b;
    static final int DEVICE_OP = 0x82;
    static final int ROOT_CHAR = 0x5c;
    static final int DUAL_NAME_PREFIX = 0x2e;
    static final int MULTI_NAME_PREFIX = 0x2f;

    private Aml() {
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * A NameString: an optional leading {@code \}, then dot-separated segments of up to four
     * characters (padded with '_').
     */
    static byte[] nameString(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String rest = path;
        if (rest.startsWith("\\")) {
            out.write(ROOT_CHAR);
            rest = rest.substring(1);
        }
        String[] segments = rest.isEmpty() ? new String[0] : rest.split("\\.");
        if (segments.length == 2) {
            out.write(DUAL_NAME_PREFIX);
        } else if (segments.length > 2) {
            out.write(MULTI_NAME_PREFIX);
            out.write(segments.length);
        } else if (segments.length == 0) {
            out.write(0); // NullName
        }
        for (String s : segments) {
            out.writeBytes(nameSeg(s));
        }
        return out.toByteArray();
    }

    static byte[] nameSeg(String segment) {
        if (segment.isEmpty() || segment.length() > 4 || !segment.matches("[A-Z_][A-Z0-9_]*")) {
            throw new IllegalArgumentException("not an AML name segment: " + segment);
        }
        return (segment + "___").substring(0, 4).getBytes(StandardCharsets.US_ASCII);
    }

    /** The PkgLength encoding of a package whose contents (after the PkgLength) are {@code length} bytes. */
    static byte[] pkgLength(int length) {
        if (length + 1 <= 0x3f) {
            return new byte[] {(byte) (length + 1)};
        }
        for (int n = 2; n <= 4; n++) {
            int total = length + n;
            if (total < 1 << (4 + 8 * (n - 1))) {
                byte[] out = new byte[n];
                out[0] = (byte) (((n - 1) << 6) | (total & 0xf));
                for (int i = 1; i < n; i++) {
                    out[i] = (byte) (total >>> (4 + 8 * (i - 1)));
                }
                return out;
            }
        }
        throw new IllegalArgumentException("AML package too long: " + length);
    }

    private static byte[] withPkgLength(byte[] opcode, byte[] contents) {
        return concat(opcode, pkgLength(contents.length), contents);
    }

    static byte[] scope(String name, byte[]... terms) {
        return withPkgLength(new byte[] {SCOPE_OP}, concat(nameString(name), concat(terms)));
    }

    static byte[] device(String name, byte[]... terms) {
        return withPkgLength(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, concat(nameString(name), concat(terms)));
    }

    static byte[] name(String name, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameString(name), value);
    }

    /** An integer in the shortest encoding. */
    static byte[] integer(long value) {
        if (value == 0) {
            return new byte[] {ZERO_OP};
        }
        if (value == 1) {
            return new byte[] {ONE_OP};
        }
        if (value > 0 && value <= 0xff) {
            return new byte[] {BYTE_PREFIX, (byte) value};
        }
        if (value > 0 && value <= 0xffff) {
            return new byte[] {WORD_PREFIX, (byte) value, (byte) (value >>> 8)};
        }
        if (value > 0 && value <= 0xffff_ffffL) {
            return new byte[] {DWORD_PREFIX, (byte) value, (byte) (value >>> 8), (byte) (value >>> 16),
                (byte) (value >>> 24)};
        }
        byte[] out = new byte[9];
        out[0] = QWORD_PREFIX;
        for (int i = 0; i < 8; i++) {
            out[1 + i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    static byte[] string(String s) {
        return concat(new byte[] {STRING_PREFIX}, s.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /** EISAID("PNP0A03"): three letters in 5 bits each and four hex digits, stored big-endian. */
    static byte[] eisaId(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException("not an EISA ID: " + id);
        }
        int value = ((id.charAt(0) - 0x40) << 26) | ((id.charAt(1) - 0x40) << 21) | ((id.charAt(2) - 0x40) << 16)
                | Integer.parseInt(id.substring(3), 16);
        return new byte[] {DWORD_PREFIX, (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    /** A Package of up to 255 elements. */
    static byte[] pkg(byte[]... elements) {
        if (elements.length > 255) {
            throw new IllegalArgumentException("a Package holds at most 255 elements: " + elements.length);
        }
        return withPkgLength(new byte[] {PACKAGE_OP}, concat(new byte[] {(byte) elements.length}, concat(elements)));
    }

    static byte[] buffer(byte[] bytes) {
        return withPkgLength(new byte[] {BUFFER_OP}, concat(integer(bytes.length), bytes));
    }
}
