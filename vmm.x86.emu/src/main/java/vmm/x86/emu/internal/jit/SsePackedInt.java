package vmm.x86.emu.internal.jit;

/**
 * The SSE2 integer forms translated code runs inline (66-prefixed, on XMM registers: no MXCSR, no
 * x87 state), on each quadword at once: byte, word and dword lanes by the usual carry-blocking
 * masks, so that the lanes never leak into one another.
 */
public final class SsePackedInt {
    private static final long H8 = 0x8080808080808080L, H16 = 0x8000800080008000L, H32 = 0x8000000080000000L;

    private SsePackedInt() {
    }

    private static long add(long a, long b, long h) {
        return ((a & ~h) + (b & ~h)) ^ ((a ^ b) & h);
    }

    private static long sub(long a, long b, long h) {
        return ((a | h) - (b & ~h)) ^ ((a ^ ~b) & h);
    }

    /** Lanes of {@code x} that are zero get all ones, the others zero; {@code h} marks each lane's top bit. */
    private static long zeroLanes(long x, long h, int bits) {
        long low = ~h;
        long t = ~(((x & low) + low) | x | low);
        long ones = bits == 64 ? -1L : (1L << bits) - 1;
        return (t >>> (bits - 1)) * ones;
    }

    public static void paddb(long[] x, int d, long lo, long hi) {
        x[2 * d] = add(x[2 * d], lo, H8);
        x[2 * d + 1] = add(x[2 * d + 1], hi, H8);
    }

    public static void paddw(long[] x, int d, long lo, long hi) {
        x[2 * d] = add(x[2 * d], lo, H16);
        x[2 * d + 1] = add(x[2 * d + 1], hi, H16);
    }

    public static void paddd(long[] x, int d, long lo, long hi) {
        x[2 * d] = add(x[2 * d], lo, H32);
        x[2 * d + 1] = add(x[2 * d + 1], hi, H32);
    }

    public static void paddq(long[] x, int d, long lo, long hi) {
        x[2 * d] += lo;
        x[2 * d + 1] += hi;
    }

    public static void psubb(long[] x, int d, long lo, long hi) {
        x[2 * d] = sub(x[2 * d], lo, H8);
        x[2 * d + 1] = sub(x[2 * d + 1], hi, H8);
    }

    public static void psubw(long[] x, int d, long lo, long hi) {
        x[2 * d] = sub(x[2 * d], lo, H16);
        x[2 * d + 1] = sub(x[2 * d + 1], hi, H16);
    }

    public static void psubd(long[] x, int d, long lo, long hi) {
        x[2 * d] = sub(x[2 * d], lo, H32);
        x[2 * d + 1] = sub(x[2 * d + 1], hi, H32);
    }

    public static void psubq(long[] x, int d, long lo, long hi) {
        x[2 * d] -= lo;
        x[2 * d + 1] -= hi;
    }

    public static void pcmpeqb(long[] x, int d, long lo, long hi) {
        x[2 * d] = zeroLanes(x[2 * d] ^ lo, H8, 8);
        x[2 * d + 1] = zeroLanes(x[2 * d + 1] ^ hi, H8, 8);
    }

    public static void pcmpeqw(long[] x, int d, long lo, long hi) {
        x[2 * d] = zeroLanes(x[2 * d] ^ lo, H16, 16);
        x[2 * d + 1] = zeroLanes(x[2 * d + 1] ^ hi, H16, 16);
    }

    public static void pcmpeqd(long[] x, int d, long lo, long hi) {
        x[2 * d] = zeroLanes(x[2 * d] ^ lo, H32, 32);
        x[2 * d + 1] = zeroLanes(x[2 * d + 1] ^ hi, H32, 32);
    }

    public static void punpcklqdq(long[] x, int d, long lo, long hi) {
        x[2 * d + 1] = lo;
    }

    public static void punpckhqdq(long[] x, int d, long lo, long hi) {
        x[2 * d] = x[2 * d + 1];
        x[2 * d + 1] = hi;
    }

    /** PMOVMSKB: the top bit of each byte, gathered by one multiplication per quadword. */
    public static long pmovmskb(long lo, long hi) {
        return gather(lo) | gather(hi) << 8;
    }

    private static long gather(long v) {
        return ((v & H8) * 0x0002040810204081L) >>> 56;
    }
}
