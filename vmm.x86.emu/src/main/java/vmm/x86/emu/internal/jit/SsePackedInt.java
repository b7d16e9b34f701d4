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

    /** PMINUB/PMAXUB: unsigned bytes, one at a time (HotSpot unrolls the loop). */
    public static void pminub(long[] x, int d, long lo, long hi) {
        x[2 * d] = minMaxU8(x[2 * d], lo, false);
        x[2 * d + 1] = minMaxU8(x[2 * d + 1], hi, false);
    }

    public static void pmaxub(long[] x, int d, long lo, long hi) {
        x[2 * d] = minMaxU8(x[2 * d], lo, true);
        x[2 * d + 1] = minMaxU8(x[2 * d + 1], hi, true);
    }

    private static long minMaxU8(long a, long b, boolean max) {
        long r = 0;
        for (int i = 0; i < 64; i += 8) {
            long p = (a >>> i) & 0xff;
            long q = (b >>> i) & 0xff;
            r |= (max ? Math.max(p, q) : Math.min(p, q)) << i;
        }
        return r;
    }

    /** UNPCKLPD: the destination's low quadword, then the source's; UNPCKHPD: the high ones. */
    public static void unpcklpd(long[] x, int d, long lo, long hi) {
        punpcklqdq(x, d, lo, hi);
    }

    public static void unpckhpd(long[] x, int d, long lo, long hi) {
        punpckhqdq(x, d, lo, hi);
    }

    /** PSHUFD: each destination dword picked from the source by two bits of {@code imm}. */
    public static void pshufd(long[] x, int d, long lo, long hi, int imm) {
        x[2 * d] = dword(lo, hi, imm) | dword(lo, hi, imm >> 2) << 32;
        x[2 * d + 1] = dword(lo, hi, imm >> 4) | dword(lo, hi, imm >> 6) << 32;
    }

    private static long dword(long lo, long hi, int sel) {
        return (((sel & 2) == 0 ? lo : hi) >>> (32 * (sel & 1))) & 0xffffffffL;
    }

    /** PMOVMSKB: the top bit of each byte, gathered by one multiplication per quadword. */
    public static long pmovmskb(long lo, long hi) {
        return gather(lo) | gather(hi) << 8;
    }

    private static long gather(long v) {
        return ((v & H8) * 0x0002040810204081L) >>> 56;
    }
}
