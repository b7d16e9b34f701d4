package vmm.x86.emu.internal.jit;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;

/**
 * The inline SSE forms of translated code ({@link SseForm}), over the XMM register file itself: one
 * small static method per operation, so that HotSpot inlines each into the block's method.
 *
 * <p>Exactness: the arithmetic runs only under {@link #gate} {@code == 3}, where MXCSR masks every
 * exception, rounds to nearest without DAZ or FTZ, and already has PE set. With zero or normal
 * finite operands and a finite result that is zero (exactly) or above the normal range's bottom,
 * Java's double and float arithmetic gives the IEEE result, and the only flag the instruction could
 * raise is PE, which is sticky and already set: nothing in MXCSR changes. Anything else (denormals,
 * NaN, infinities, overflow, a result that may be tiny, division by zero) returns "fallback" and the
 * handler, which is exact, runs the instruction.
 */
public final class SseFast {
    private static final long CR0_EM = 1L << 2, CR0_TS = 1L << 3, CR4_OSFXSR = 1L << 9;
    /** MXCSR bits 5-31: PE set, DAZ clear, all six masks set, RC = nearest, FTZ clear. */
    private static final int MXCSR_FAST_MASK = 0xffffffe0, MXCSR_FAST = 0x1fa0;
    static final long FALLBACK = Long.MIN_VALUE;
    private static final java.util.concurrent.atomic.LongAdder FALLBACKS = new java.util.concurrent.atomic.LongAdder();

    private SseFast() {
    }

    /** Counts one inline form that ran its handler instead (on the handler's path, so it costs nothing else). */
    public static void fallback() {
        FALLBACKS.increment();
    }

    /** Inline SSE forms that fell back to their handler since start, for tests and tuning. */
    public static long fallbacks() {
        return FALLBACKS.sum();
    }

    /**
     * What the inline forms may do now: 0 nothing (an SSE instruction would raise #UD or #NM: the
     * handler raises it), 1 moves, logic and comparisons, 3 arithmetic as well (see the class).
     * Nothing inline changes CR0, CR4 or MXCSR, so translated code computes this once per entry and
     * after each handler call.
     */
    public static int gate(Cpu c) {
        if ((c.cr0 & (CR0_EM | CR0_TS)) != 0 || (c.cr4 & CR4_OSFXSR) == 0) {
            return 0;
        }
        return (c.fpu.mxcsr() & MXCSR_FAST_MASK) == MXCSR_FAST ? 3 : 1;
    }

    public static long[] xmm(Cpu c) {
        return c.fpu.xmm();
    }

    /** Whether a 16-byte operand at {@code ea} in segment {@code seg} is aligned (else #GP: the handler's). */
    public static boolean aligned(Cpu c, int seg, long ea) {
        return ((c.segEff[seg] + ea) & 15) == 0;
    }

    // ---- moves and logic: the source as values (a register's or memory's) ----

    public static void move(long[] x, int d, long lo, long hi) {
        x[2 * d] = lo;
        x[2 * d + 1] = hi;
    }

    public static void moveLo64(long[] x, int d, long v) {
        x[2 * d] = v;
    }

    public static void moveLo32(long[] x, int d, long v) {
        x[2 * d] = (x[2 * d] & 0xffffffff00000000L) | (v & 0xffffffffL);
    }

    /** MOVQ, MOVD, MOVSD and MOVSS loads: {@code v} already zero-extended from the operand size. */
    public static void zeroExtend(long[] x, int d, long v) {
        x[2 * d] = v;
        x[2 * d + 1] = 0;
    }

    public static void and(long[] x, int d, long lo, long hi) {
        x[2 * d] &= lo;
        x[2 * d + 1] &= hi;
    }

    public static void andn(long[] x, int d, long lo, long hi) {
        x[2 * d] = ~x[2 * d] & lo;
        x[2 * d + 1] = ~x[2 * d + 1] & hi;
    }

    public static void or(long[] x, int d, long lo, long hi) {
        x[2 * d] |= lo;
        x[2 * d + 1] |= hi;
    }

    /** With the register itself as the source this is the zeroing idiom. */
    public static void xor(long[] x, int d, long lo, long hi) {
        x[2 * d] ^= lo;
        x[2 * d + 1] ^= hi;
    }

    // ---- arithmetic (SseLanes): false leaves the register as it was for the handler ----

    private static boolean lo(long[] x, int d, long r) {
        if (r == SseLanes.NO) {
            return false;
        }
        x[2 * d] = r;
        return true;
    }

    /** A single-precision result into the low dword, the rest of the register kept. */
    private static boolean lo32(long[] x, int d, long r) {
        if (r == SseLanes.NO) {
            return false;
        }
        x[2 * d] = (x[2 * d] & 0xffffffff00000000L) | r;
        return true;
    }

    private static boolean both(long[] x, int d, long r0, long r1) {
        if (r0 == SseLanes.NO || r1 == SseLanes.NO) {
            return false;
        }
        x[2 * d] = r0;
        x[2 * d + 1] = r1;
        return true;
    }

    public static boolean addsd(long[] x, int d, long b) {
        return lo(x, d, SseLanes.addD(x[2 * d], b));
    }

    public static boolean subsd(long[] x, int d, long b) {
        return lo(x, d, SseLanes.subD(x[2 * d], b));
    }

    public static boolean mulsd(long[] x, int d, long b) {
        return lo(x, d, SseLanes.mulD(x[2 * d], b));
    }

    public static boolean divsd(long[] x, int d, long b) {
        return lo(x, d, SseLanes.divD(x[2 * d], b));
    }

    public static boolean sqrtsd(long[] x, int d, long b) {
        return lo(x, d, SseLanes.sqrtD(b));
    }

    public static boolean minsd(long[] x, int d, long b) {
        return lo(x, d, SseLanes.minD(x[2 * d], b));
    }

    public static boolean maxsd(long[] x, int d, long b) {
        return lo(x, d, SseLanes.maxD(x[2 * d], b));
    }

    public static boolean addss(long[] x, int d, long b) {
        return lo32(x, d, SseLanes.addF(x[2 * d], b));
    }

    public static boolean subss(long[] x, int d, long b) {
        return lo32(x, d, SseLanes.subF(x[2 * d], b));
    }

    public static boolean mulss(long[] x, int d, long b) {
        return lo32(x, d, SseLanes.mulF(x[2 * d], b));
    }

    public static boolean divss(long[] x, int d, long b) {
        return lo32(x, d, SseLanes.divF(x[2 * d], b));
    }

    public static boolean sqrtss(long[] x, int d, long b) {
        return lo32(x, d, SseLanes.sqrtF(b));
    }

    public static boolean minss(long[] x, int d, long b) {
        return lo32(x, d, SseLanes.minF(x[2 * d], b));
    }

    public static boolean maxss(long[] x, int d, long b) {
        return lo32(x, d, SseLanes.maxF(x[2 * d], b));
    }

    public static boolean cvtss2sd(long[] x, int d, long b) {
        return lo(x, d, SseLanes.toD(b));
    }

    public static boolean cvtsd2ss(long[] x, int d, long b) {
        return lo32(x, d, SseLanes.toF(b));
    }

    /** Packed double: both lanes pass, or the handler runs the instruction. */
    public static boolean addpd(long[] x, int d, long lo, long hi) {
        return both(x, d, SseLanes.addD(x[2 * d], lo), SseLanes.addD(x[2 * d + 1], hi));
    }

    public static boolean subpd(long[] x, int d, long lo, long hi) {
        return both(x, d, SseLanes.subD(x[2 * d], lo), SseLanes.subD(x[2 * d + 1], hi));
    }

    public static boolean mulpd(long[] x, int d, long lo, long hi) {
        return both(x, d, SseLanes.mulD(x[2 * d], lo), SseLanes.mulD(x[2 * d + 1], hi));
    }

    public static boolean divpd(long[] x, int d, long lo, long hi) {
        return both(x, d, SseLanes.divD(x[2 * d], lo), SseLanes.divD(x[2 * d + 1], hi));
    }

    public static boolean sqrtpd(long[] x, int d, long lo, long hi) {
        return both(x, d, SseLanes.sqrtD(lo), SseLanes.sqrtD(hi));
    }

    public static boolean minpd(long[] x, int d, long lo, long hi) {
        return both(x, d, SseLanes.minD(x[2 * d], lo), SseLanes.minD(x[2 * d + 1], hi));
    }

    public static boolean maxpd(long[] x, int d, long lo, long hi) {
        return both(x, d, SseLanes.maxD(x[2 * d], lo), SseLanes.maxD(x[2 * d + 1], hi));
    }

    /** Two float lanes of a quadword, or NO when either must go to the handler. */
    private static long pairF(long lane0, long lane1) {
        return lane0 == SseLanes.NO || lane1 == SseLanes.NO ? SseLanes.NO : lane0 | lane1 << 32;
    }

    /** Packed single: all four lanes pass, or the handler runs the instruction. */
    public static boolean addps(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        long b = x[2 * d + 1];
        return both(x, d, pairF(SseLanes.addF(a, lo), SseLanes.addF(a >>> 32, lo >>> 32)),
                pairF(SseLanes.addF(b, hi), SseLanes.addF(b >>> 32, hi >>> 32)));
    }

    public static boolean subps(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        long b = x[2 * d + 1];
        return both(x, d, pairF(SseLanes.subF(a, lo), SseLanes.subF(a >>> 32, lo >>> 32)),
                pairF(SseLanes.subF(b, hi), SseLanes.subF(b >>> 32, hi >>> 32)));
    }

    public static boolean mulps(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        long b = x[2 * d + 1];
        return both(x, d, pairF(SseLanes.mulF(a, lo), SseLanes.mulF(a >>> 32, lo >>> 32)),
                pairF(SseLanes.mulF(b, hi), SseLanes.mulF(b >>> 32, hi >>> 32)));
    }

    public static boolean divps(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        long b = x[2 * d + 1];
        return both(x, d, pairF(SseLanes.divF(a, lo), SseLanes.divF(a >>> 32, lo >>> 32)),
                pairF(SseLanes.divF(b, hi), SseLanes.divF(b >>> 32, hi >>> 32)));
    }

    public static boolean sqrtps(long[] x, int d, long lo, long hi) {
        return both(x, d, pairF(SseLanes.sqrtF(lo), SseLanes.sqrtF(lo >>> 32)),
                pairF(SseLanes.sqrtF(hi), SseLanes.sqrtF(hi >>> 32)));
    }

    public static boolean minps(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        long b = x[2 * d + 1];
        return both(x, d, pairF(SseLanes.minF(a, lo), SseLanes.minF(a >>> 32, lo >>> 32)),
                pairF(SseLanes.minF(b, hi), SseLanes.minF(b >>> 32, hi >>> 32)));
    }

    public static boolean maxps(long[] x, int d, long lo, long hi) {
        long a = x[2 * d];
        long b = x[2 * d + 1];
        return both(x, d, pairF(SseLanes.maxF(a, lo), SseLanes.maxF(a >>> 32, lo >>> 32)),
                pairF(SseLanes.maxF(b, hi), SseLanes.maxF(b >>> 32, hi >>> 32)));
    }

    // ---- conversions ----

    /** From a sign-extended integer: Java's conversion rounds to nearest even, as MXCSR says here. */
    public static void cvtsi2sd(long[] x, int d, long v) {
        x[2 * d] = Double.doubleToRawLongBits((double) v);
    }

    public static void cvtsi2ss(long[] x, int d, long v) {
        x[2 * d] = (x[2 * d] & 0xffffffff00000000L) | (Float.floatToRawIntBits((float) v) & 0xffffffffL);
    }

    /** Zero or normal inside the 64-bit range truncates in Java as on x86 (PE, if any, is set already). */
    public static long cvttsd2si64(long bits) {
        double v = Double.longBitsToDouble(bits);
        return SseLanes.plainD(bits) && v > -0x1p63 && v < 0x1p63 ? (long) v : FALLBACK;
    }

    public static long cvttsd2si32(long bits) {
        double v = Double.longBitsToDouble(bits);
        return SseLanes.plainD(bits) && v > -0x1p31 - 1 && v < 0x1p31 ? (int) v : FALLBACK;
    }

    /** Math.rint rounds half to even, MXCSR's round to nearest. */
    public static long cvtsd2si64(long bits) {
        double v = Math.rint(Double.longBitsToDouble(bits));
        return SseLanes.plainD(bits) && v > -0x1p63 && v < 0x1p63 ? (long) v : FALLBACK;
    }

    public static long cvtsd2si32(long bits) {
        double v = Math.rint(Double.longBitsToDouble(bits));
        return SseLanes.plainD(bits) && v >= -0x1p31 && v < 0x1p31 ? (int) v : FALLBACK;
    }

    public static long cvttss2si64(long source) {
        int b = (int) source;
        float v = Float.intBitsToFloat(b);
        return SseLanes.plainF(b) && v > -0x1p63f && v < 0x1p63f ? (long) v : FALLBACK;
    }

    public static long cvttss2si32(long source) {
        int b = (int) source;
        float v = Float.intBitsToFloat(b);
        return SseLanes.plainF(b) && v > -0x1p31f && v < 0x1p31f ? (int) v : FALLBACK;
    }

    public static long cvtss2si64(long source) {
        int b = (int) source;
        double v = Math.rint(Float.intBitsToFloat(b));
        return SseLanes.plainF(b) && v > -0x1p63 && v < 0x1p63 ? (long) v : FALLBACK;
    }

    public static long cvtss2si32(long source) {
        int b = (int) source;
        double v = Math.rint(Float.intBitsToFloat(b));
        return SseLanes.plainF(b) && v >= -0x1p31 && v < 0x1p31 ? (int) v : FALLBACK;
    }

    // ---- comparisons ----

    /**
     * (U)COMISD's flags (ZF, PF, CF; OF, SF, AF clear) for ordered operands that are not denormal,
     * which raise nothing in any MXCSR; -1 otherwise (NaN: IE for COMISD and signalling NaNs;
     * denormal: DE).
     */
    public static long comisd(long[] x, int d, long b) {
        long a = x[2 * d];
        if (!SseLanes.orderedD(a) || !SseLanes.orderedD(b)) {
            return -1;
        }
        double p = Double.longBitsToDouble(a);
        double q = Double.longBitsToDouble(b);
        return p < q ? Flags.CF : p == q ? Flags.ZF : 0;
    }

    public static long comiss(long[] x, int d, long source) {
        int a = (int) x[2 * d];
        int b = (int) source;
        if (!SseLanes.orderedF(a) || !SseLanes.orderedF(b)) {
            return -1;
        }
        float p = Float.intBitsToFloat(a);
        float q = Float.intBitsToFloat(b);
        return p < q ? Flags.CF : p == q ? Flags.ZF : 0;
    }
}
