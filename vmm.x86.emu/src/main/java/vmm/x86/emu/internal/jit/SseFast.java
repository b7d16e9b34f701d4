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

    // ---- scalar double ----

    /** Zero or normal and finite: no denormal-operand, invalid or infinity case. */
    private static boolean plainD(long bits) {
        long m = bits & Long.MAX_VALUE;
        return m == 0 || m >= 0x0010000000000000L && m < 0x7ff0000000000000L;
    }

    /** Above the normal range's bottom (so not tiny, however detected) and finite. */
    private static boolean normalD(double r) {
        double m = Math.abs(r);
        return m > Double.MIN_NORMAL && m <= Double.MAX_VALUE;
    }

    public static boolean addsd(long[] x, int d, long b) {
        long a = x[2 * d];
        if (!plainD(a) || !plainD(b)) {
            return false;
        }
        double r = Double.longBitsToDouble(a) + Double.longBitsToDouble(b);
        // A zero sum of such operands is exact (its sign is IEEE's in Java too).
        if (r != 0 && !normalD(r)) {
            return false;
        }
        x[2 * d] = Double.doubleToRawLongBits(r);
        return true;
    }

    public static boolean subsd(long[] x, int d, long b) {
        long a = x[2 * d];
        if (!plainD(a) || !plainD(b)) {
            return false;
        }
        double r = Double.longBitsToDouble(a) - Double.longBitsToDouble(b);
        if (r != 0 && !normalD(r)) {
            return false;
        }
        x[2 * d] = Double.doubleToRawLongBits(r);
        return true;
    }

    public static boolean mulsd(long[] x, int d, long b) {
        long a = x[2 * d];
        if (!plainD(a) || !plainD(b)) {
            return false;
        }
        double r = Double.longBitsToDouble(a) * Double.longBitsToDouble(b);
        // A zero product is exact only when an operand is zero; otherwise it underflowed.
        if (r == 0 ? (a & Long.MAX_VALUE) != 0 && (b & Long.MAX_VALUE) != 0 : !normalD(r)) {
            return false;
        }
        x[2 * d] = Double.doubleToRawLongBits(r);
        return true;
    }

    public static boolean divsd(long[] x, int d, long b) {
        long a = x[2 * d];
        if (!plainD(a) || !plainD(b) || (b & Long.MAX_VALUE) == 0) {
            return false;
        }
        double r = Double.longBitsToDouble(a) / Double.longBitsToDouble(b);
        if (r == 0 ? (a & Long.MAX_VALUE) != 0 : !normalD(r)) {
            return false;
        }
        x[2 * d] = Double.doubleToRawLongBits(r);
        return true;
    }

    /** The square root of a positive normal is normal; of a zero, that zero. */
    public static boolean sqrtsd(long[] x, int d, long b) {
        if (!plainD(b) || b < 0 && b != Long.MIN_VALUE) {
            return false;
        }
        x[2 * d] = Double.doubleToRawLongBits(Math.sqrt(Double.longBitsToDouble(b)));
        return true;
    }

    // ---- scalar single: the low dword, the rest of the register kept ----

    private static boolean plainF(int bits) {
        int m = bits & Integer.MAX_VALUE;
        return m == 0 || m >= 0x00800000 && m < 0x7f800000;
    }

    private static boolean normalF(float r) {
        float m = Math.abs(r);
        return m > Float.MIN_NORMAL && m <= Float.MAX_VALUE;
    }

    private static void setF(long[] x, int d, float r) {
        x[2 * d] = (x[2 * d] & 0xffffffff00000000L) | (Float.floatToRawIntBits(r) & 0xffffffffL);
    }

    public static boolean addss(long[] x, int d, long source) {
        int a = (int) x[2 * d];
        int b = (int) source;
        if (!plainF(a) || !plainF(b)) {
            return false;
        }
        float r = Float.intBitsToFloat(a) + Float.intBitsToFloat(b);
        if (r != 0 && !normalF(r)) {
            return false;
        }
        setF(x, d, r);
        return true;
    }

    public static boolean subss(long[] x, int d, long source) {
        int a = (int) x[2 * d];
        int b = (int) source;
        if (!plainF(a) || !plainF(b)) {
            return false;
        }
        float r = Float.intBitsToFloat(a) - Float.intBitsToFloat(b);
        if (r != 0 && !normalF(r)) {
            return false;
        }
        setF(x, d, r);
        return true;
    }

    public static boolean mulss(long[] x, int d, long source) {
        int a = (int) x[2 * d];
        int b = (int) source;
        if (!plainF(a) || !plainF(b)) {
            return false;
        }
        float r = Float.intBitsToFloat(a) * Float.intBitsToFloat(b);
        if (r == 0 ? (a & Integer.MAX_VALUE) != 0 && (b & Integer.MAX_VALUE) != 0 : !normalF(r)) {
            return false;
        }
        setF(x, d, r);
        return true;
    }

    public static boolean divss(long[] x, int d, long source) {
        int a = (int) x[2 * d];
        int b = (int) source;
        if (!plainF(a) || !plainF(b) || (b & Integer.MAX_VALUE) == 0) {
            return false;
        }
        float r = Float.intBitsToFloat(a) / Float.intBitsToFloat(b);
        if (r == 0 ? (a & Integer.MAX_VALUE) != 0 : !normalF(r)) {
            return false;
        }
        setF(x, d, r);
        return true;
    }

    /** The double square root of a float, rounded to float, is the correctly rounded float root. */
    public static boolean sqrtss(long[] x, int d, long source) {
        int b = (int) source;
        if (!plainF(b) || b < 0 && b != Integer.MIN_VALUE) {
            return false;
        }
        setF(x, d, (float) Math.sqrt(Float.intBitsToFloat(b)));
        return true;
    }

    // ---- conversions ----

    /** From a sign-extended integer: Java's conversion rounds to nearest even, as MXCSR says here. */
    public static void cvtsi2sd(long[] x, int d, long v) {
        x[2 * d] = Double.doubleToRawLongBits((double) v);
    }

    public static void cvtsi2ss(long[] x, int d, long v) {
        setF(x, d, (float) v);
    }

    /** Zero or normal inside the 64-bit range truncates in Java as on x86 (PE, if any, is set already). */
    public static long cvttsd2si64(long bits) {
        double v = Double.longBitsToDouble(bits);
        return plainD(bits) && v > -0x1p63 && v < 0x1p63 ? (long) v : FALLBACK;
    }

    public static long cvttsd2si32(long bits) {
        double v = Double.longBitsToDouble(bits);
        return plainD(bits) && v > -0x1p31 - 1 && v < 0x1p31 ? (int) v : FALLBACK;
    }

    /** Math.rint rounds half to even, MXCSR's round to nearest. */
    public static long cvtsd2si64(long bits) {
        double v = Math.rint(Double.longBitsToDouble(bits));
        return plainD(bits) && v > -0x1p63 && v < 0x1p63 ? (long) v : FALLBACK;
    }

    public static long cvtsd2si32(long bits) {
        double v = Math.rint(Double.longBitsToDouble(bits));
        return plainD(bits) && v >= -0x1p31 && v < 0x1p31 ? (int) v : FALLBACK;
    }

    public static long cvttss2si64(long source) {
        int b = (int) source;
        float v = Float.intBitsToFloat(b);
        return plainF(b) && v > -0x1p63f && v < 0x1p63f ? (long) v : FALLBACK;
    }

    public static long cvttss2si32(long source) {
        int b = (int) source;
        float v = Float.intBitsToFloat(b);
        return plainF(b) && v > -0x1p31f && v < 0x1p31f ? (int) v : FALLBACK;
    }

    public static long cvtss2si64(long source) {
        int b = (int) source;
        double v = Math.rint(Float.intBitsToFloat(b));
        return plainF(b) && v > -0x1p63 && v < 0x1p63 ? (long) v : FALLBACK;
    }

    public static long cvtss2si32(long source) {
        int b = (int) source;
        double v = Math.rint(Float.intBitsToFloat(b));
        return plainF(b) && v >= -0x1p31 && v < 0x1p31 ? (int) v : FALLBACK;
    }

    // ---- comparisons ----

    /**
     * (U)COMISD's flags (ZF, PF, CF; OF, SF, AF clear) for ordered operands that are not denormal,
     * which raise nothing in any MXCSR; -1 otherwise (NaN: IE for COMISD and signalling NaNs;
     * denormal: DE).
     */
    public static long comisd(long[] x, int d, long b) {
        long a = x[2 * d];
        if (!ordered(a) || !ordered(b)) {
            return -1;
        }
        double p = Double.longBitsToDouble(a);
        double q = Double.longBitsToDouble(b);
        return p < q ? Flags.CF : p == q ? Flags.ZF : 0;
    }

    private static boolean ordered(long bits) {
        long m = bits & Long.MAX_VALUE;
        return m == 0 || m >= 0x0010000000000000L && m <= 0x7ff0000000000000L;
    }

    public static long comiss(long[] x, int d, long source) {
        int a = (int) x[2 * d];
        int b = (int) source;
        if (!orderedF(a) || !orderedF(b)) {
            return -1;
        }
        float p = Float.intBitsToFloat(a);
        float q = Float.intBitsToFloat(b);
        return p < q ? Flags.CF : p == q ? Flags.ZF : 0;
    }

    private static boolean orderedF(int bits) {
        int m = bits & Integer.MAX_VALUE;
        return m == 0 || m >= 0x00800000 && m <= 0x7f800000;
    }
}
