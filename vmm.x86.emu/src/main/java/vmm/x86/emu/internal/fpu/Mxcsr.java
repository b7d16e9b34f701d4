package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SoftFloat.DE;
import static vmm.x86.emu.internal.fpu.SoftFloat.IE;
import static vmm.x86.emu.internal.fpu.SoftFloat.OE;
import static vmm.x86.emu.internal.fpu.SoftFloat.PE;
import static vmm.x86.emu.internal.fpu.SoftFloat.UE;
import static vmm.x86.emu.internal.fpu.SoftFloat.ZE;

import vmm.x86.emu.internal.fpu.SoftFloat.Format;
import vmm.x86.emu.internal.fpu.SoftFloat.Rounded;
import vmm.x86.emu.internal.fpu.SoftFloat.Val;

/**
 * SSE scalar floating-point under MXCSR: rounding mode, DAZ, FTZ and the exception flags of one
 * instruction. Every lane of an instruction accumulates into {@link #flags}; {@link #commit}
 * then raises #XM (or #UD without CR4.OSXMMEXCPT) for an unmasked one before anything is
 * written, and ORs the flags into MXCSR otherwise.
 *
 * <p>Round-to-nearest with zero or normal operands and a normal (or exactly zero) result takes
 * Java's arithmetic plus an exact error test (TwoSum / fma) for the inexact flag; everything
 * else goes through {@link SoftFloat}. Conversions live in {@link MxcsrConvert}.
 */
final class Mxcsr {

    static final int ADD = 0;
    static final int SUB = 1;
    static final int MUL = 2;
    static final int DIV = 3;
    static final int SQRT = 4;

    static final int DEFAULT_NAN_F = 0xffc00000;
    static final long DEFAULT_NAN_D = 0xfff8000000000000L;

    private final SimdState s;
    /** Exception flags raised by the instruction in progress. */
    int flags;

    Mxcsr(SimdState s) {
        this.s = s;
    }

    int rc() {
        return (s.mxcsr >> 13) & 3;
    }

    boolean daz() {
        return (s.mxcsr & 0x40) != 0;
    }

    boolean ftz() {
        return (s.mxcsr & 0x8000) != 0;
    }

    private boolean masked(int flag) {
        return (s.mxcsr & (flag << 7)) != 0;
    }

    void begin() {
        flags = 0;
    }

    /** Raises the instruction's unmasked exceptions, else records its flags. */
    void commit(FpuHost host) {
        if (flags == 0) {
            return;
        }
        int unmasked = flags & ~(s.mxcsr >> 7) & 0x3f;
        if (unmasked != 0) {
            // pre-computation exceptions (invalid, denormal, divide) suppress the rest
            int pre = flags & (IE | DE | ZE);
            s.mxcsr |= (unmasked & (IE | DE | ZE)) != 0 ? pre : flags;
            flags = 0;
            throw host.fault((host.cr4() & (1L << 10)) != 0 ? 19 : 6);
        }
        s.mxcsr |= flags;
        flags = 0;
    }

    // ---- operand intake ----

    Val inF(int bits) {
        Val v = SoftFloat.ofFloat(bits);
        return denormal(v, (bits & 0x7f800000) == 0);
    }

    Val inD(long bits) {
        Val v = SoftFloat.ofDouble(bits);
        return denormal(v, (bits & 0x7ff0000000000000L) == 0);
    }

    private Val denormal(Val v, boolean expZero) {
        if (v.cls() == SoftFloat.FINITE && expZero) {
            if (daz()) {
                return new Val(SoftFloat.ZERO, v.neg(), 0, 0);
            }
            flags |= DE;
        }
        return v;
    }

    // ---- results ----

    int outF(Rounded r) {
        return SoftFloat.floatBits(under(r, SoftFloat.SINGLE));
    }

    long outD(Rounded r) {
        return SoftFloat.doubleBits(under(r, SoftFloat.DOUBLE));
    }

    private Rounded under(Rounded r, Format f) {
        int wide = r.wideInexact() ? PE : 0;
        if ((r.flags() & OE) != 0 && !masked(OE)) {
            flags |= OE | wide;
            return r;
        }
        if (r.tiny()) {
            if (!masked(UE)) {
                flags |= UE | wide;
                return r;
            }
            if (ftz()) {
                flags |= UE | PE;
                return new Rounded(r.neg(), false, 0, f.emin(), 0, true, false, true);
            }
        }
        flags |= r.flags();
        return r;
    }

    /**
     * A double operand of the fast path: zero, or normal below 2^1021, so that no step of
     * TwoSum or of the fma residuals can overflow.
     */
    private static boolean fastD(long bits) {
        long m = bits & Long.MAX_VALUE;
        return m == 0 || (m >= 0x0010000000000000L && m < 0x7fc0000000000000L);
    }

    /** A float operand of the fast path: zero or normal (in double there is room for both). */
    private static boolean fastF(int bits) {
        int m = bits & 0x7fffffff;
        return m == 0 || (m >= 0x00800000 && m < 0x7f800000);
    }

    // ---- double ----

    long opD(int op, long a, long b) {
        if ((s.mxcsr & 0x6000) == 0 && fastD(a) && fastD(b)) {
            double r = nearestD(op, Double.longBitsToDouble(a), Double.longBitsToDouble(b));
            if (r == r) {
                return Double.doubleToRawLongBits(r);
            }
        }
        return slowD(op, a, b);
    }

    /**
     * Round to nearest on zero or normal operands in Java's arithmetic, which is IEEE's, zero
     * signs included; the inexact flag (the only one these cases raise) from the exact error:
     * TwoSum for sums, fma residuals (exact above 2^-960) for the rest. Returns NaN, flags
     * untouched, where the exact path must decide: results below the normal range (tiny: UE,
     * FTZ) or overflowing, division by zero, square roots of negatives. One small method per
     * operation, so that the JIT inlines the one an instruction uses.
     */
    private double nearestD(int op, double x, double y) {
        return switch (op) {
            case ADD -> addD(x, y);
            case SUB -> addD(x, -y);
            case MUL -> mulD(x, y);
            case DIV -> divD(x, y);
            default -> sqrtD(x);
        };
    }

    private double addD(double x, double y) {
        double r = x + y;
        // a non-zero sum below 2^-1022 is exact but tiny; a zero sum is exact
        if (r != 0 && Math.abs(r) < Double.MIN_NORMAL) {
            return Double.NaN;
        }
        double bb = r - x;
        if ((x - (r - bb)) + (y - bb) != 0) {
            flags |= PE;
        }
        return r;
    }

    private double mulD(double x, double y) {
        double r = x * y;
        if (x == 0 || y == 0) {
            return r;
        }
        if (!(Math.abs(r) >= 0x1p-960 && Math.abs(r) <= Double.MAX_VALUE)) {
            return Double.NaN;
        }
        if (Math.fma(x, y, -r) != 0) {
            flags |= PE;
        }
        return r;
    }

    private double divD(double x, double y) {
        if (y == 0) {
            return Double.NaN;
        }
        double r = x / y;
        if (x == 0) {
            return r;
        }
        if (!(Math.abs(r) >= 0x1p-960 && Math.abs(r) <= Double.MAX_VALUE && Math.abs(x) >= 0x1p-960)) {
            return Double.NaN;
        }
        if (Math.fma(-r, y, x) != 0) {
            flags |= PE;
        }
        return r;
    }

    private double sqrtD(double x) {
        if (x == 0) {
            return x; // sqrt(-0) = -0
        }
        if (!(x >= 0x1p-960)) {
            return Double.NaN;
        }
        double r = Math.sqrt(x);
        if (Math.fma(-r, r, x) != 0) {
            flags |= PE;
        }
        return r;
    }

    private long slowD(int op, long a, long b) {
        Val x = SoftFloat.ofDouble(a);
        Val y = op == SQRT ? x : SoftFloat.ofDouble(b);
        if (x.isNan() || y.isNan()) {
            if (x.cls() == SoftFloat.SNAN || y.cls() == SoftFloat.SNAN) {
                flags |= IE;
            }
            return x.isNan() ? a | (1L << 51) : b | (1L << 51);
        }
        int before = flags;
        flags = 0;
        x = inD(a);
        if (op != SQRT) {
            y = inD(b);
        }
        Object r = arith(op, x, y, SoftFloat.DOUBLE);
        dropDenormal(before);
        return r instanceof Rounded rr ? outD(rr) : r == null ? DEFAULT_NAN_D : (Long) r;
    }

    // ---- float ----

    int opF(int op, int a, int b) {
        if ((s.mxcsr & 0x6000) == 0 && fastF(a) && fastF(b)) {
            float r = nearestF(op, Float.intBitsToFloat(a), Float.intBitsToFloat(b));
            if (r == r) {
                return Float.floatToRawIntBits(r);
            }
        }
        return slowF(op, a, b);
    }

    /**
     * The float operation in double, then narrowed. Products of floats are exact in double;
     * for the rest, rounding to 53 bits first does not change the nearest 24-bit result (double
     * rounding is innocuous for +, -, *, / and sqrt when 53 >= 2*24+2). Tininess is judged on
     * the double: x86 calls a result tiny when rounding it to 24 bits with an unbounded
     * exponent stays below 2^-126, which a narrowed float of exactly 2^-126 does not show.
     * Returns NaN, flags untouched, where the exact path must decide (as {@link #nearestD}).
     */
    private float nearestF(int op, double x, double y) {
        double d;
        boolean inexact;
        switch (op) {
            case ADD, SUB -> {
                if (op == SUB) {
                    y = -y;
                }
                d = x + y;
                double bb = d - x;
                inexact = (x - (d - bb)) + (y - bb) != 0;
            }
            case MUL -> {
                d = x * y;
                inexact = false;
            }
            case DIV -> {
                if (y == 0) {
                    return Float.NaN;
                }
                d = x / y;
                inexact = Math.fma(-d, y, x) != 0;
            }
            default -> {
                if (x < 0) {
                    return Float.NaN;
                }
                d = Math.sqrt(x);
                inexact = Math.fma(-d, d, x) != 0;
            }
        }
        // zero here is exact: a zero operand, or a sum that cancels
        if (d != 0 && !(Math.abs(d) >= Float.MIN_NORMAL)) {
            return Float.NaN;
        }
        float f = (float) d;
        if (Math.abs(f) > Float.MAX_VALUE) {
            return Float.NaN;
        }
        if (inexact || f != d) {
            flags |= PE;
        }
        return f;
    }

    private int slowF(int op, int a, int b) {
        Val x = SoftFloat.ofFloat(a);
        Val y = op == SQRT ? x : SoftFloat.ofFloat(b);
        if (x.isNan() || y.isNan()) {
            if (x.cls() == SoftFloat.SNAN || y.cls() == SoftFloat.SNAN) {
                flags |= IE;
            }
            return x.isNan() ? a | 0x400000 : b | 0x400000;
        }
        int before = flags;
        flags = 0;
        x = inF(a);
        if (op != SQRT) {
            y = inF(b);
        }
        Object r = arith(op, x, y, SoftFloat.SINGLE);
        dropDenormal(before);
        if (r instanceof Rounded rr) {
            return outF(rr);
        }
        if (r == null) {
            return DEFAULT_NAN_F;
        }
        long special = (Long) r;
        // specials come back as double bits: narrow exactly (they are 0 or infinity)
        return Float.floatToRawIntBits((float) Double.longBitsToDouble(special));
    }

    /** Invalid and divide-by-zero take precedence over the denormal-operand flag. */
    private void dropDenormal(int before) {
        if ((flags & (IE | ZE)) != 0) {
            flags &= ~DE;
        }
        flags |= before;
    }

    /**
     * Non-NaN operands (after DAZ). Returns a Rounded for finite results, a Long holding the
     * double bits of an exact special result (zero, infinity), or null for invalid.
     */
    private Object arith(int op, Val x, Val y, Format f) {
        int rc = rc();
        switch (op) {
            case ADD, SUB -> {
                boolean yneg = op == SUB ? !y.neg() : y.neg();
                if (x.cls() == SoftFloat.INF || y.cls() == SoftFloat.INF) {
                    if (x.cls() == SoftFloat.INF && y.cls() == SoftFloat.INF && x.neg() != yneg) {
                        flags |= IE;
                        return null;
                    }
                    return inf(x.cls() == SoftFloat.INF ? x.neg() : yneg);
                }
                if (x.cls() == SoftFloat.ZERO && y.cls() == SoftFloat.ZERO) {
                    boolean neg = x.neg() == yneg ? x.neg() : rc == SoftFloat.RC_DOWN;
                    return zero(neg);
                }
                return SoftFloat.add(x, new Val(y.cls(), yneg, y.sig(), y.exp()), f, rc);
            }
            case MUL -> {
                boolean neg = x.neg() ^ y.neg();
                if (x.cls() == SoftFloat.INF || y.cls() == SoftFloat.INF) {
                    if (x.cls() == SoftFloat.ZERO || y.cls() == SoftFloat.ZERO) {
                        flags |= IE;
                        return null;
                    }
                    return inf(neg);
                }
                if (x.cls() == SoftFloat.ZERO || y.cls() == SoftFloat.ZERO) {
                    return zero(neg);
                }
                return SoftFloat.mul(x, y, f, rc);
            }
            case DIV -> {
                boolean neg = x.neg() ^ y.neg();
                if (x.cls() == SoftFloat.INF) {
                    if (y.cls() == SoftFloat.INF) {
                        flags |= IE;
                        return null;
                    }
                    return inf(neg);
                }
                if (y.cls() == SoftFloat.INF) {
                    return zero(neg);
                }
                if (y.cls() == SoftFloat.ZERO) {
                    if (x.cls() == SoftFloat.ZERO) {
                        flags |= IE;
                        return null;
                    }
                    flags |= ZE;
                    return inf(neg);
                }
                if (x.cls() == SoftFloat.ZERO) {
                    return zero(neg);
                }
                return SoftFloat.div(x, y, f, rc);
            }
            default -> {
                if (x.cls() == SoftFloat.ZERO) {
                    return zero(x.neg());
                }
                if (x.neg()) {
                    flags |= IE;
                    return null;
                }
                if (x.cls() == SoftFloat.INF) {
                    return inf(false);
                }
                return SoftFloat.sqrt(x, f, rc);
            }
        }
    }

    static Long inf(boolean neg) {
        return neg ? 0xfff0000000000000L : 0x7ff0000000000000L;
    }

    private static Long zero(boolean neg) {
        return neg ? Long.MIN_VALUE : 0L;
    }

    // ---- MIN/MAX: the second operand wins on NaN and on equal values (±0 included) ----

    /** Neither NaN nor denormal: compares in Java are exact and raise nothing. */
    private static boolean plainD(long bits) {
        long m = bits & Long.MAX_VALUE;
        return m == 0 || (m >= 0x0010000000000000L && m <= 0x7ff0000000000000L);
    }

    private static boolean plainF(int bits) {
        int m = bits & 0x7fffffff;
        return m == 0 || (m >= 0x00800000 && m <= 0x7f800000);
    }

    int minMaxF(boolean max, int a, int b) {
        if (plainF(a) && plainF(b)) {
            float x = Float.intBitsToFloat(a);
            float y = Float.intBitsToFloat(b);
            return (max ? x > y : x < y) ? a : b;
        }
        Val x = SoftFloat.ofFloat(a);
        Val y = SoftFloat.ofFloat(b);
        if (x.isNan() || y.isNan()) {
            flags |= IE;
            return daz() && (b & 0x7f800000) == 0 ? b & 0x80000000 : b;
        }
        x = inF(a);
        y = inF(b);
        int c = SoftFloat.compare(x, y);
        boolean first = max ? c > 0 : c < 0;
        int r = first ? a : b;
        return daz() && (r & 0x7f800000) == 0 ? r & 0x80000000 : r;
    }

    long minMaxD(boolean max, long a, long b) {
        if (plainD(a) && plainD(b)) {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            return (max ? x > y : x < y) ? a : b;
        }
        Val x = SoftFloat.ofDouble(a);
        Val y = SoftFloat.ofDouble(b);
        if (x.isNan() || y.isNan()) {
            flags |= IE;
            return daz() && (b & 0x7ff0000000000000L) == 0 ? b & Long.MIN_VALUE : b;
        }
        x = inD(a);
        y = inD(b);
        int c = SoftFloat.compare(x, y);
        boolean first = max ? c > 0 : c < 0;
        long r = first ? a : b;
        return daz() && (r & 0x7ff0000000000000L) == 0 ? r & Long.MIN_VALUE : r;
    }

    // ---- ROUNDxx: to an integral value in the same format ----

    long roundD(long a, int rc, boolean noPrecision) {
        Val x = SoftFloat.ofDouble(a);
        if (x.isNan()) {
            if (x.cls() == SoftFloat.SNAN) {
                flags |= IE;
            }
            return a | (1L << 51);
        }
        if (daz() && (a & 0x7ff0000000000000L) == 0) {
            return a & Long.MIN_VALUE;
        }
        if (x.cls() != SoftFloat.FINITE || x.exp() >= 52) {
            return a;
        }
        java.math.BigInteger[] ri = SoftFloat.toIntegral(x, rc);
        if (ri[1].signum() != 0 && !noPrecision) {
            flags |= PE;
        }
        double v = ri[0].doubleValue();
        return Double.doubleToRawLongBits(x.neg() ? -v : v);
    }

    int roundF(int a, int rc, boolean noPrecision) {
        Val x = SoftFloat.ofFloat(a);
        if (x.isNan()) {
            if (x.cls() == SoftFloat.SNAN) {
                flags |= IE;
            }
            return a | 0x400000;
        }
        if (daz() && (a & 0x7f800000) == 0) {
            return a & 0x80000000;
        }
        if (x.cls() != SoftFloat.FINITE || x.exp() >= 23) {
            return a;
        }
        java.math.BigInteger[] ri = SoftFloat.toIntegral(x, rc);
        if (ri[1].signum() != 0 && !noPrecision) {
            flags |= PE;
        }
        float v = ri[0].floatValue();
        return Float.floatToRawIntBits(x.neg() ? -v : v);
    }

    // ---- comparisons ----

    /**
     * Compares for CMPxx/COMIxx: -1, 0, 1, or 2 for unordered. {@code signalQnan}: a QNaN
     * operand raises invalid too (ordered comparisons).
     */
    int compare(Val x, Val y, boolean signalQnan) {
        if (x.isNan() || y.isNan()) {
            if (signalQnan || x.cls() == SoftFloat.SNAN || y.cls() == SoftFloat.SNAN) {
                flags |= IE;
            }
            return 2;
        }
        return SoftFloat.compare(x, y);
    }

    int compareF(int a, int b, boolean signalQnan) {
        if (plainF(a) && plainF(b)) {
            float x = Float.intBitsToFloat(a);
            float y = Float.intBitsToFloat(b);
            return x < y ? -1 : x > y ? 1 : 0;
        }
        Val x = SoftFloat.ofFloat(a);
        Val y = SoftFloat.ofFloat(b);
        if (!x.isNan() && !y.isNan()) {
            x = inF(a);
            y = inF(b);
        }
        return compare(x, y, signalQnan);
    }

    int compareD(long a, long b, boolean signalQnan) {
        if (plainD(a) && plainD(b)) {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            return x < y ? -1 : x > y ? 1 : 0;
        }
        Val x = SoftFloat.ofDouble(a);
        Val y = SoftFloat.ofDouble(b);
        if (!x.isNan() && !y.isNan()) {
            x = inD(a);
            y = inD(b);
        }
        return compare(x, y, signalQnan);
    }
}
