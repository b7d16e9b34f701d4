package vmm.core.internal.memory;

/** Byte counts as people read them in error messages: "512 MiB", "3 GiB", "4100 bytes". */
public final class ByteSizes {
    private static final String[] UNITS = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private ByteSizes() {
    }

    /** The largest binary unit that divides {@code bytes} exactly, so no size is rounded. */
    public static String format(long bytes) {
        if (bytes <= 0) {
            return bytes + " bytes";
        }
        int unit = 0;
        long value = bytes;
        while (unit < UNITS.length - 1 && (value & 1023) == 0) {
            value >>= 10;
            unit++;
        }
        return value + " " + UNITS[unit];
    }
}
