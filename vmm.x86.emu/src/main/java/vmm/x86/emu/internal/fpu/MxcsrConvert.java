package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SoftFloat.IE;
import static vmm.x86.emu.internal.fpu.SoftFloat.PE;

import java.math.BigInteger;

import vmm.x86.emu.internal.fpu.SoftFloat.Val;

/**
 * Conversions under MXCSR between integers, floats and doubles, accumulating into
 * {@link Mxcsr#flags}.
 *
 * <p>The common cases go through Java's own conversions, which round to nearest-even like
 * IEEE, with an exact test for the inexact flag; every rounding mode is exact for
 * integer-to-float (the nearest result is stepped one ulp toward the mode) and for
 * float-to-integer (rint/floor/ceil). Anything else (NaN, infinity, out-of-range integers,
 * denormal operands, results below the normal range) takes the {@link SoftFloat} path,
 * which is the reference the differential tests hold both against.
 */
final class MxcsrConvert {

    private MxcsrConvert() {
    }

    // ---- integer -> floating point ----

    /**
     * The sign of (the integer-valued) {@code d} minus {@code v}: d is v rounded to nearest, so it
     * is an integer whenever it differs from v. 2^63 is above every long.
     */
    private static int direction(double d, long v) {
        return d >= 0x1p63 ? 1 : Long.compare((long) d, v);
    }

    static long i2d(Mxcsr mx, long v) {
        double d = v;
        int dir = direction(d, v);
        if (dir != 0) {
            mx.flags |= PE;
            int step = step(mx.rc(), dir, v < 0);
            d = step < 0 ? Math.nextDown(d) : step > 0 ? Math.nextUp(d) : d;
        }
        return Double.doubleToRawLongBits(d);
    }

    static int i2f(Mxcsr mx, long v) {
        float f = v;
        int dir = direction(f, v);
        if (dir != 0) {
            mx.flags |= PE;
            int step = step(mx.rc(), dir, v < 0);
            f = step < 0 ? Math.nextDown(f) : step > 0 ? Math.nextUp(f) : f;
        }
        return Float.floatToRawIntBits(f);
    }

    /**
     * Where the rounding mode moves an inexact nearest result that lies above ({@code dir} > 0)
     * or below the exact value: -1 one ulp down, 1 one ulp up, 0 stay. The exact value lies
     * strictly between the nearest result and that neighbour.
     */
    private static int step(int rc, int dir, boolean neg) {
        return switch (rc) {
            case SoftFloat.RC_DOWN -> dir > 0 ? -1 : 0;
            case SoftFloat.RC_UP -> dir < 0 ? 1 : 0;
            case SoftFloat.RC_ZERO -> dir > 0 && !neg ? -1 : dir < 0 && neg ? 1 : 0;
            default -> 0;
        };
    }

    // ---- floating point -> floating point ----

    /** float -> double: exact; an SNaN is quieted. */
    static long f2d(Mxcsr mx, int a) {
        int e = (a >>> 23) & 0xff;
        if ((e != 0 && e != 0xff) || (a & 0x7fffffff) == 0 || (a & 0x7fffffff) == 0x7f800000) {
            return Double.doubleToRawLongBits(Float.intBitsToFloat(a));
        }
        Val x = SoftFloat.ofFloat(a);
        if (x.isNan()) {
            if (x.cls() == SoftFloat.SNAN) {
                mx.flags |= IE;
            }
            return (a < 0 ? Long.MIN_VALUE : 0) | 0x7ff8000000000000L | ((long) (a & 0x3fffff) << 29);
        }
        x = mx.inF(a);
        return switch (x.cls()) {
            case SoftFloat.ZERO -> x.neg() ? Long.MIN_VALUE : 0;
            case SoftFloat.INF -> Mxcsr.inf(x.neg());
            default -> SoftFloat.doubleBits(SoftFloat.round(x, SoftFloat.DOUBLE, mx.rc()));
        };
    }

    static int d2f(Mxcsr mx, long a) {
        double x = Double.longBitsToDouble(a);
        if (mx.rc() == SoftFloat.RC_NEAREST && Math.abs(x) >= Float.MIN_NORMAL) {
            // a normal double at or above the smallest normal float: neither tiny nor denormal
            float f = (float) x;
            if (Math.abs(f) <= Float.MAX_VALUE) {
                if (f != x) {
                    mx.flags |= PE;
                }
                return Float.floatToRawIntBits(f);
            }
        }
        Val v = SoftFloat.ofDouble(a);
        if (v.isNan()) {
            if (v.cls() == SoftFloat.SNAN) {
                mx.flags |= IE;
            }
            return (a < 0 ? 0x80000000 : 0) | 0x7fc00000 | (int) ((a >>> 29) & 0x3fffff);
        }
        v = mx.inD(a);
        return switch (v.cls()) {
            case SoftFloat.ZERO -> v.neg() ? 0x80000000 : 0;
            case SoftFloat.INF -> v.neg() ? 0xff800000 : 0x7f800000;
            default -> mx.outF(SoftFloat.round(v, SoftFloat.SINGLE, mx.rc()));
        };
    }

    // ---- floating point -> integer ----

    /**
     * x (finite, |x| < 2^63) rounded to an integer in the mode, with PE when inexact; or
     * Long.MIN_VALUE, flags untouched, when the result does not fit {@code bits} or is -2^63
     * (the caller then takes the exact path, which tells the two apart).
     */
    private static long fastToInt(Mxcsr mx, double x, int bits, boolean truncate) {
        double r = switch (truncate ? SoftFloat.RC_ZERO : mx.rc()) {
            case SoftFloat.RC_NEAREST -> Math.rint(x);
            case SoftFloat.RC_DOWN -> Math.floor(x);
            case SoftFloat.RC_UP -> Math.ceil(x);
            default -> x < 0 ? Math.ceil(x) : Math.floor(x);
        };
        double lim = bits == 64 ? 0x1p63 : 0x1p31;
        if (r >= lim || r < -lim || r == -0x1p63) {
            return Long.MIN_VALUE; // out of range (or -2^63): the exact path decides
        }
        if (r != x) {
            mx.flags |= PE;
        }
        return (long) r;
    }

    /** Conversions to integers never report denormal operands (DAZ still applies). */
    static long f2i(Mxcsr mx, int a, int bits, boolean truncate) {
        int e = (a >>> 23) & 0xff;
        if (e == 0 && mx.daz()) {
            return 0;
        }
        if (e < 127 + 63) { // finite, |x| < 2^63
            long r = fastToInt(mx, Float.intBitsToFloat(a), bits, truncate);
            if (r != Long.MIN_VALUE) {
                return r;
            }
        }
        return toInt(mx, SoftFloat.ofFloat(a), bits, truncate);
    }

    static long d2i(Mxcsr mx, long a, int bits, boolean truncate) {
        int e = (int) (a >>> 52) & 0x7ff;
        if (e == 0 && mx.daz()) {
            return 0;
        }
        if (e < 1023 + 63) { // finite, |x| < 2^63
            long r = fastToInt(mx, Double.longBitsToDouble(a), bits, truncate);
            if (r != Long.MIN_VALUE) {
                return r;
            }
        }
        return toInt(mx, SoftFloat.ofDouble(a), bits, truncate);
    }

    /** float/double (as a Val) to a signed integer of {@code bits}; indefinite on overflow. */
    static long toInt(Mxcsr mx, Val x, int bits, boolean truncate) {
        long indefinite = 1L << (bits - 1);
        if (x.isNan() || x.cls() == SoftFloat.INF) {
            mx.flags |= IE;
            return indefinite;
        }
        if (x.cls() == SoftFloat.ZERO) {
            return 0;
        }
        if (x.exp() > 64) {
            mx.flags |= IE;
            return indefinite;
        }
        BigInteger[] ri = SoftFloat.toIntegral(x, truncate ? SoftFloat.RC_ZERO : mx.rc());
        BigInteger m = ri[0];
        BigInteger limit = BigInteger.ONE.shiftLeft(bits - 1);
        if (x.neg() ? m.compareTo(limit) > 0 : m.compareTo(limit) >= 0) {
            mx.flags |= IE;
            return indefinite;
        }
        if (ri[1].signum() != 0) {
            mx.flags |= PE;
        }
        long v = m.longValue();
        return x.neg() ? -v : v;
    }
}
