package vmm.x86.emu.internal.jit;

/**
 * PSHUFB (SSSE3) and the unpacks of bytes, words and dwords (66 0F 60-62, 68-6A) translated code
 * runs inline: the destination is the first operand ({@code x[2d], x[2d+1]}), the source's
 * quadwords come as {@code lo, hi}.
 */
public final class SseShuffle {
    private static final long ROT16_LO = 0x0504070601000302L, ROT16_HI = 0x0d0c0f0e09080b0aL;
    private static final long ROT8_LO = 0x0407060500030201L, ROT8_HI = 0x0c0f0e0d080b0a09L;
    private static final long BSWAP_LO = 0x08090a0b0c0d0e0fL, BSWAP_HI = 0x0001020304050607L;

    private SseShuffle() {
    }

    /**
     * PSHUFB: each destination byte is the destination's byte chosen by the low four bits of the
     * source's byte, or zero when that byte's top bit is set (bits 4-6 are ignored).
     */
    public static void pshufb(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        long b = x[2 * d + 1];
        // The masks of the dword rotations by 16 and 8 (BLAKE2s, ChaCha) and of the byte swap of each
        // quadword (SHA, AES-GCM's big-endian counters) are constants in their code: a few shifts
        // each, against sixteen byte selections.
        if (hi == ROT16_HI && lo == ROT16_LO) {
            x[2 * d] = rotr(a, 16);
            x[2 * d + 1] = rotr(b, 16);
            return;
        }
        if (hi == ROT8_HI && lo == ROT8_LO) {
            x[2 * d] = rotr(a, 8);
            x[2 * d + 1] = rotr(b, 8);
            return;
        }
        if (hi == BSWAP_HI && lo == BSWAP_LO) {
            x[2 * d] = Long.reverseBytes(b);
            x[2 * d + 1] = Long.reverseBytes(a);
            return;
        }
        anyMask(x, d, lo, hi);
    }

    /** Out of line, so that the common masks' path stays small enough for HotSpot to inline. */
    private static void anyMask(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        long b = x[2 * d + 1];
        x[2 * d] = shuffle(a, b, lo);
        x[2 * d + 1] = shuffle(a, b, hi);
    }

    /** Each dword of {@code v} rotated right by {@code n} (8 or 16) bits. */
    private static long rotr(long v, int n) {
        long low = (0xffffffffL >>> n) * 0x0000000100000001L;
        return (v >>> n) & low | (v << (32 - n)) & ~low;
    }

    private static long shuffle(long a, long b, long mask) {
        long r = 0;
        for (int i = 0; i < 64; i += 8) {
            int s = (int) (mask >>> i);
            if ((s & 0x80) == 0) {
                long q = (s & 8) == 0 ? a : b;
                r |= ((q >>> ((s & 7) << 3)) & 0xff) << i;
            }
        }
        return r;
    }

    public static void punpcklbw(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        x[2 * d] = spread8(a) | spread8(lo) << 8;
        x[2 * d + 1] = spread8(a >>> 32) | spread8(lo >>> 32) << 8;
    }

    public static void punpckhbw(long[] x, int d, long lo, long hi) {
        long a = x[2 * d + 1];
        x[2 * d] = spread8(a) | spread8(hi) << 8;
        x[2 * d + 1] = spread8(a >>> 32) | spread8(hi >>> 32) << 8;
    }

    public static void punpcklwd(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        x[2 * d] = spread16(a) | spread16(lo) << 16;
        x[2 * d + 1] = spread16(a >>> 32) | spread16(lo >>> 32) << 16;
    }

    public static void punpckhwd(long[] x, int d, long lo, long hi) {
        long a = x[2 * d + 1];
        x[2 * d] = spread16(a) | spread16(hi) << 16;
        x[2 * d + 1] = spread16(a >>> 32) | spread16(hi >>> 32) << 16;
    }

    public static void punpckldq(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        x[2 * d] = a & 0xffffffffL | lo << 32;
        x[2 * d + 1] = a >>> 32 | lo & 0xffffffff00000000L;
    }

    public static void punpckhdq(long[] x, int d, long lo, long hi) {
        long a = x[2 * d + 1];
        x[2 * d] = a & 0xffffffffL | hi << 32;
        x[2 * d + 1] = a >>> 32 | hi & 0xffffffff00000000L;
    }

    /** The low four bytes of {@code v} into the even bytes of the result. */
    private static long spread8(long v) {
        long t = v & 0xffffffffL;
        t = (t | t << 16) & 0x0000ffff0000ffffL;
        return (t | t << 8) & 0x00ff00ff00ff00ffL;
    }

    /** The low two words of {@code v} into the even words of the result. */
    private static long spread16(long v) {
        return v & 0xffffL | (v & 0xffff0000L) << 16;
    }
}
