package vmm.x86.emu.internal.jit;

/**
 * One lane of the inline SSE arithmetic ({@link SseFast}): the IEEE result's bits, or {@link #NO}
 * when the handler must decide. Operands must be zero or normal and finite (no denormal-operand or
 * invalid case); a result must be finite and either exactly zero (zero operands, or an exact
 * cancellation) or above the bottom of the normal range (so not tiny, however tininess is detected):
 * then Java's arithmetic, which is IEEE's with round to nearest, gives the instruction's result, and
 * the only flag it could raise is PE.
 */
final class SseLanes {
    /** Not a result: results here are never NaN. */
    static final long NO = 0x7ff4000000000badL;

    private SseLanes() {
    }

    static boolean plainD(long bits) {
        long m = bits & Long.MAX_VALUE;
        return m == 0 || m >= 0x0010000000000000L && m < 0x7ff0000000000000L;
    }

    private static boolean normalD(double r) {
        double m = Math.abs(r);
        return m > Double.MIN_NORMAL && m <= Double.MAX_VALUE;
    }

    static boolean plainF(int bits) {
        int m = bits & Integer.MAX_VALUE;
        return m == 0 || m >= 0x00800000 && m < 0x7f800000;
    }

    private static boolean normalF(float r) {
        float m = Math.abs(r);
        return m > Float.MIN_NORMAL && m <= Float.MAX_VALUE;
    }

    private static double d(long bits) {
        return Double.longBitsToDouble(bits);
    }

    private static float f(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    private static long bits(double r) {
        return Double.doubleToRawLongBits(r);
    }

    private static long bits(float r) {
        return Float.floatToRawIntBits(r) & 0xffffffffL;
    }

    // ---- double ----

    /** A zero sum of such operands is exact, its sign IEEE's in Java as on x86. */
    static long addD(long a, long b) {
        if (!plainD(a) || !plainD(b)) {
            return NO;
        }
        double r = d(a) + d(b);
        return r == 0 || normalD(r) ? bits(r) : NO;
    }

    static long subD(long a, long b) {
        if (!plainD(a) || !plainD(b)) {
            return NO;
        }
        double r = d(a) - d(b);
        return r == 0 || normalD(r) ? bits(r) : NO;
    }

    /** A zero product is exact only when an operand is zero; otherwise it underflowed. */
    static long mulD(long a, long b) {
        if (!plainD(a) || !plainD(b)) {
            return NO;
        }
        double r = d(a) * d(b);
        boolean ok = r == 0 ? (a & Long.MAX_VALUE) == 0 || (b & Long.MAX_VALUE) == 0 : normalD(r);
        return ok ? bits(r) : NO;
    }

    static long divD(long a, long b) {
        if (!plainD(a) || !plainD(b) || (b & Long.MAX_VALUE) == 0) {
            return NO;
        }
        double r = d(a) / d(b);
        boolean ok = r == 0 ? (a & Long.MAX_VALUE) == 0 : normalD(r);
        return ok ? bits(r) : NO;
    }

    /** The square root of a positive normal is normal; of a zero, that zero. */
    static long sqrtD(long b) {
        if (!plainD(b) || b < 0 && b != Long.MIN_VALUE) {
            return NO;
        }
        return bits(Math.sqrt(d(b)));
    }

    /** Double to float: exact or rounded to nearest (PE), overflow and tiny results to the handler. */
    static long toF(long b) {
        if (!plainD(b)) {
            return NO;
        }
        float r = (float) d(b);
        return r == 0 ? ((b & Long.MAX_VALUE) == 0 ? bits(r) : NO) : normalF(r) ? bits(r) : NO;
    }

    /** Float to double is exact: no exception for a zero or normal float, whatever MXCSR says. */
    static long toD(long b) {
        return plainF((int) b) ? bits((double) f(b)) : NO;
    }

    // ---- float: the low 32 bits of the arguments, the result zero-extended ----

    static long addF(long a, long b) {
        if (!plainF((int) a) || !plainF((int) b)) {
            return NO;
        }
        float r = f(a) + f(b);
        return r == 0 || normalF(r) ? bits(r) : NO;
    }

    static long subF(long a, long b) {
        if (!plainF((int) a) || !plainF((int) b)) {
            return NO;
        }
        float r = f(a) - f(b);
        return r == 0 || normalF(r) ? bits(r) : NO;
    }

    static long mulF(long a, long b) {
        if (!plainF((int) a) || !plainF((int) b)) {
            return NO;
        }
        float r = f(a) * f(b);
        boolean ok = r == 0 ? ((int) a & Integer.MAX_VALUE) == 0 || ((int) b & Integer.MAX_VALUE) == 0 : normalF(r);
        return ok ? bits(r) : NO;
    }

    static long divF(long a, long b) {
        if (!plainF((int) a) || !plainF((int) b) || ((int) b & Integer.MAX_VALUE) == 0) {
            return NO;
        }
        float r = f(a) / f(b);
        boolean ok = r == 0 ? ((int) a & Integer.MAX_VALUE) == 0 : normalF(r);
        return ok ? bits(r) : NO;
    }

    /** The double square root of a float, rounded to float, is the correctly rounded float root. */
    static long sqrtF(long b) {
        int v = (int) b;
        if (!plainF(v) || v < 0 && v != Integer.MIN_VALUE) {
            return NO;
        }
        return bits((float) Math.sqrt(f(b)));
    }

    // ---- MINSD/MAXSD and kin: the second operand unless the first is strictly beyond it ----

    /** Ordered and not denormal: MIN/MAX raise nothing then (NaN: IE; denormal: DE). */
    static boolean orderedD(long bits) {
        long m = bits & Long.MAX_VALUE;
        return m == 0 || m >= 0x0010000000000000L && m <= 0x7ff0000000000000L;
    }

    static boolean orderedF(int bits) {
        int m = bits & Integer.MAX_VALUE;
        return m == 0 || m >= 0x00800000 && m <= 0x7f800000;
    }

    static long minD(long a, long b) {
        return !orderedD(a) || !orderedD(b) ? NO : d(a) < d(b) ? a : b;
    }

    static long maxD(long a, long b) {
        return !orderedD(a) || !orderedD(b) ? NO : d(a) > d(b) ? a : b;
    }

    static long minF(long a, long b) {
        return !orderedF((int) a) || !orderedF((int) b) ? NO : f(a) < f(b) ? a & 0xffffffffL : b & 0xffffffffL;
    }

    static long maxF(long a, long b) {
        return !orderedF((int) a) || !orderedF((int) b) ? NO : f(a) > f(b) ? a & 0xffffffffL : b & 0xffffffffL;
    }
}
