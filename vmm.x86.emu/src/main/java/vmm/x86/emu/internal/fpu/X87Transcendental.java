package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SoftFloat.DE;
import static vmm.x86.emu.internal.fpu.SoftFloat.IE;
import static vmm.x86.emu.internal.fpu.SoftFloat.PE;
import static vmm.x86.emu.internal.fpu.SoftFloat.ZE;
import static vmm.x86.emu.internal.fpu.X87.C1;
import static vmm.x86.emu.internal.fpu.X87.C2;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

import vmm.x86.emu.internal.fpu.SoftFloat.Val;

/**
 * The x87 transcendental functions F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS, FSINCOS
 * (the exact FPREM/FPREM1, FSCALE, FXTRACT are {@link X87Exact}). The transcendentals are evaluated in double
 * precision (StrictMath on the operand rounded to double): their results carry about 53
 * correct bits, not the hardware's 64, and always report precision (PE) when not exact.
 */
final class X87Transcendental {

    private final X87 x;

    X87Transcendental(X87 x) {
        this.x = x;
    }

    /**
     * Common operand checks for st(0) and, when {@code two}, st(1). Returns null when the
     * instruction is finished (stack fault, NaN, unsupported, unmasked denormal).
     */
    Val[] operands(boolean two, int dest) {
        return operands(two, dest, two);
    }

    Val[] operands(boolean two, int dest, boolean popOnError) {
        return operands(two, dest, popOnError, false);
    }

    /**
     * {@code domain}: for the log functions a negative non-zero st(0) is invalid, for the
     * remainders an infinite st(0) or a zero st(1); both before any denormal check.
     */
    private Val[] operands(boolean two, int dest, boolean popOnError, boolean logDomain) {
        return operands(two, dest, popOnError, logDomain ? LOG : NONE);
    }

    static final int NONE = 0;
    private static final int LOG = 1;
    static final int REM = 2;
    private static final int LOG1P = 3;

    Val[] operands(boolean two, int dest, boolean popOnError, int domain) {
        boolean logDomain = domain == LOG;
        boolean remDomain = domain == REM;
        x.setC1(false);
        if (x.empty(0) || (two && x.empty(1))) {
            if (x.underflow()) {
                x.setSt(dest, X87.INDEF_SE, X87.INDEF_MANT);
                if (popOnError) {
                    x.pop();
                }
            }
            return null;
        }
        Val a = x.st(0);
        Val b = two ? x.st(1) : a;
        if (a.cls() == SoftFloat.UNSUPPORTED || b.cls() == SoftFloat.UNSUPPORTED) {
            if (x.signal(IE)) {
                x.setSt(dest, X87.INDEF_SE, X87.INDEF_MANT);
                if (popOnError) {
                    x.pop();
                }
            }
            return null;
        }
        if (a.isNan() || b.isNan()) {
            boolean snan = a.cls() == SoftFloat.SNAN || b.cls() == SoftFloat.SNAN;
            if (x.signal(snan ? IE : 0)) {
                long[] q = X87.quiet(X87.pickNan(a, b));
                x.setSt(dest, (int) q[0], q[1]);
                if (popOnError) {
                    x.pop();
                }
            }
            return null;
        }
        if (logDomain && a.neg() && a.cls() != SoftFloat.ZERO) {
            invalidPop();
            return null;
        }
        if (domain == LOG1P && ((a.cls() == SoftFloat.INF && a.neg())
                || (a.cls() == SoftFloat.ZERO && b.cls() == SoftFloat.INF)
                || (a.cls() == SoftFloat.INF && b.cls() == SoftFloat.ZERO))) {
            invalidPop();
            return null;
        }
        if (remDomain && (a.cls() == SoftFloat.INF || b.cls() == SoftFloat.ZERO)) {
            x.setCc(x.s.fsw & X87.CC & ~C2);
            if (x.signal(IE)) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
            }
            return null;
        }
        if ((x.isDenormal(0) || (two && x.isDenormal(1))) && !x.signal(DE)) {
            return null;
        }
        return new Val[]{a, b};
    }

    static double toDouble(Val v) {
        return switch (v.cls()) {
            case SoftFloat.ZERO -> v.neg() ? -0.0 : 0.0;
            case SoftFloat.INF -> v.neg() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            default -> {
                double m = (double) (v.sig() >>> 11) * 0x1p-52;
                double r = Math.scalb(m, Math.max(-2000, Math.min(2000, v.exp())));
                yield v.neg() ? -r : r;
            }
        };
    }

    private static Val ofDouble(double d) {
        return SoftFloat.ofDouble(Double.doubleToRawLongBits(d));
    }

    /** The exact value of a finite operand. */
    private static BigDecimal exact(Val v) {
        if (v.cls() == SoftFloat.ZERO) {
            return BigDecimal.ZERO;
        }
        BigDecimal m = new BigDecimal(SoftFloat.unsigned(v.sig()));
        int e = v.exp() - 63;
        BigDecimal r = e >= 0 ? m.multiply(BigDecimal.valueOf(2).pow(e)) : m.divide(BigDecimal.valueOf(2).pow(-e));
        return v.neg() ? r.negate() : r;
    }

    /** pi/2 as the x87 reduces arguments: from its 66-bit internal pi. */
    private static final BigDecimal HALF_PI66 = new BigDecimal(new BigInteger("3243F6A8885A308D3", 16))
            .divide(BigDecimal.valueOf(2).pow(65));
    private static final Val INV_LN2 = new Val(SoftFloat.FINITE, false, 0xb8aa3b295c17f0bcL, 0);
    private static final Val LN2 = new Val(SoftFloat.FINITE, false, 0xb17217f7d1cf79acL, -1);
    private static final SoftFloat.Format WIDE = new SoftFloat.Format(64, -1 << 20, 1 << 20, 64);

    /** Writes a value rounded to extended precision to st(i), reporting precision. */
    private void result(int i, Val v) {
        long[] r = v.cls() == SoftFloat.FINITE ? x.arithRound(v) : new long[]{X87.seOf(v), X87.mantOf(v)};
        x.setSt(i, (int) r[0], r[1]);
        if (v.cls() == SoftFloat.FINITE) {
            // an approximation is inexact: a denormal result underflows
            x.signal(((r[0] & 0x7fff) == 0 && r[1] != 0 ? SoftFloat.UE : 0) | PE);
        }
    }

    /** a * b rounded to extended precision (exact product, one rounding). */
    private long[] times(Val a, Val b) {
        if (a.cls() == SoftFloat.ZERO || b.cls() == SoftFloat.ZERO) {
            return new long[]{a.neg() ^ b.neg() ? 0x8000 : 0, 0};
        }
        return x.roundExt(f -> SoftFloat.mul(a, b, f, x.rc()));
    }

    /** Two-result instructions (FPTAN, FSINCOS): stack faults fill both with the indefinite. */
    boolean twoResultFault() {
        if (x.empty(0)) {
            x.setC1(false);
            if (x.underflow()) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
                x.push(X87.INDEF_SE, X87.INDEF_MANT);
            }
            return true;
        }
        if (!x.empty(7)) {
            x.s.fsw |= IE | X87.SF | C1;
            x.updateEs();
            if (x.masked(IE)) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
                x.push(X87.INDEF_SE, X87.INDEF_MANT);
            }
            return true;
        }
        return false;
    }

    void f2xm1() {
        Val[] v = operands(false, 0);
        if (v == null) {
            return;
        }
        Val a = v[0];
        if (a.cls() == SoftFloat.ZERO) {
            return;
        }
        if (a.cls() == SoftFloat.INF) {
            if (a.neg()) {
                x.setSt(0, 0xbfff, 1L << 63);
            }
            return;
        }
        if (a.exp() >= 0 && !(a.exp() == 0 && a.sig() == Long.MIN_VALUE)) {
            return; // |x| > 1: the result is undefined; this unit leaves st(0) as it is
        }
        if (a.exp() < -60) {
            long[] r = times(a, LN2);
            x.setSt(0, (int) r[0], r[1]);
            // 2^x - 1 is not exactly x * ln 2: inexact, and a denormal result underflows
            x.signal(((r[0] & 0x7fff) == 0 && r[1] != 0 ? SoftFloat.UE : 0) | PE);
            return;
        }
        result(0, ofDouble(StrictMath.expm1(toDouble(a) * Math.log(2))));
    }

    /** FSIN, FCOS, FPTAN, FSINCOS: reduced modulo the 66-bit pi/2, |x| < 2^63 (else C2). */
    private void trig(int kind) {
        boolean two = kind >= 2;
        x.setCc(x.s.fsw & X87.CC & ~C2);
        if (two && twoResultFault()) {
            return;
        }
        Val[] v = operands(false, 0);
        if (v == null) {
            if (two && !x.empty(0) && x.st(0).isNan() && !x.empty(0)) {
                int p = x.s.phys(0);
                x.push(x.s.se[p], x.s.mant[p]);
            }
            return;
        }
        Val a = v[0];
        if (a.cls() == SoftFloat.INF) {
            if (x.signal(IE)) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
                if (two) {
                    x.push(X87.INDEF_SE, X87.INDEF_MANT);
                }
            }
            return;
        }
        if (a.cls() == SoftFloat.FINITE && a.exp() >= 63) {
            x.setCc((x.s.fsw & X87.CC) | C2);
            return;
        }
        Val s;
        Val c;
        if (a.cls() == SoftFloat.ZERO || a.exp() < -40) {
            s = a;
            c = new Val(SoftFloat.FINITE, false, 1L << 63, 0);
            if (a.cls() == SoftFloat.FINITE) {
                long[] r = x.arithRound(a); // sin x = tan x = x to 64 bits: report precision
                s = SoftFloat.ofExt((int) r[0], r[1]);
            }
        } else {
            BigDecimal xe = exact(a);
            BigDecimal k = xe.divide(HALF_PI66, MathContext.DECIMAL128).setScale(0, RoundingMode.HALF_EVEN);
            double r = xe.subtract(k.multiply(HALF_PI66)).doubleValue();
            int q = k.remainder(BigDecimal.valueOf(4)).intValue() & 3;
            double sr = StrictMath.sin(r);
            double cr = StrictMath.cos(r);
            double sv = switch (q) {
                case 0 -> sr;
                case 1 -> cr;
                case 2 -> -sr;
                default -> -cr;
            };
            double cv = switch (q) {
                case 0 -> cr;
                case 1 -> -sr;
                case 2 -> -cr;
                default -> sr;
            };
            s = ofDouble(sv);
            c = ofDouble(cv);
        }
        switch (kind) {
            case 0 -> result(0, s);
            case 1 -> result(0, c);
            case 2 -> {
                Val t = s.cls() == SoftFloat.FINITE && c.exp() == 0 && c.sig() == Long.MIN_VALUE && !c.neg() ? s
                        : ofDouble(toDouble(s) / toDouble(c));
                result(0, t);
                x.push(0x3fff, 1L << 63);
            }
            default -> {
                result(0, s);
                long[] cr = c.cls() == SoftFloat.FINITE ? x.arithRound(c) : new long[]{X87.seOf(c), X87.mantOf(c)};
                x.push((int) cr[0], cr[1]);
            }
        }
    }

    void fsin() {
        trig(0);
    }

    void fcos() {
        trig(1);
    }

    void fptan() {
        trig(2);
    }

    /** FSINCOS: st(0) = sin, then push cos. */
    void fsincos() {
        trig(3);
    }

    /** Flags an approximated result: inexact, and underflowing when it is a denormal. */
    private long[] approx(long[] r) {
        x.signal(((r[0] & 0x7fff) == 0 && r[1] != 0 ? SoftFloat.UE : 0) | PE);
        return r;
    }

    private void invalidPop() {
        if (x.signal(IE)) {
            x.setSt(1, X87.INDEF_SE, X87.INDEF_MANT);
            x.pop();
        }
    }

    private void writePop(long[] r) {
        x.setSt(1, (int) r[0], r[1]);
        x.pop();
    }

    private static long[] inf(boolean neg) {
        return new long[]{neg ? 0xffff : 0x7fff, 1L << 63};
    }

    /** FYL2X: st(1) = st(1) * log2(st(0)), pop. */
    void fyl2x(boolean plusOne) {
        if (plusOne) {
            fyl2xp1();
            return;
        }
        Val[] v = operands(true, 1, true, true);
        if (v == null) {
            return;
        }
        Val a = v[0];
        Val y = v[1];
        if (a.neg() && a.cls() != SoftFloat.ZERO) {
            invalidPop();
            return;
        }
        if (a.cls() == SoftFloat.ZERO) {
            if (y.cls() == SoftFloat.ZERO) {
                invalidPop();
            } else if (y.cls() == SoftFloat.INF) {
                writePop(inf(!y.neg()));
            } else if (x.signal(ZE)) {
                writePop(inf(!y.neg()));
            }
            return;
        }
        if (a.cls() == SoftFloat.INF) {
            if (y.cls() == SoftFloat.ZERO) {
                invalidPop();
            } else {
                writePop(inf(y.neg()));
            }
            return;
        }
        boolean one = a.exp() == 0 && a.sig() == Long.MIN_VALUE;
        if (one) {
            if (y.cls() == SoftFloat.INF) {
                invalidPop();
            } else {
                writePop(new long[]{y.neg() ? 0x8000 : 0, 0});
            }
            return;
        }
        double l;
        if (a.exp() == 0 || a.exp() == -1) {
            // near 1: log1p of the exactly computed x - 1
            Val d = SoftFloat.ofExt(0, 0);
            SoftFloat.Rounded dm = SoftFloat.add(a, new Val(SoftFloat.FINITE, true, 1L << 63, 0), SoftFloat.DOUBLE,
                    SoftFloat.RC_NEAREST);
            double dd = Double.longBitsToDouble(SoftFloat.doubleBits(dm));
            l = StrictMath.log1p(dd) / Math.log(2);
        } else {
            double m = (double) (a.sig() >>> 11) * 0x1p-52;
            l = a.exp() + StrictMath.log(m) / Math.log(2);
        }
        Val lv = ofDouble(l);
        if (y.cls() == SoftFloat.INF) {
            writePop(inf(y.neg() ^ (l < 0)));
            return;
        }
        writePop(approx(times(y, lv)));
    }

    private void fyl2xp1() {
        Val[] v = operands(true, 1, true, LOG1P);
        if (v == null) {
            return;
        }
        Val a = v[0];
        Val y = v[1];
        if (a.cls() == SoftFloat.ZERO) {
            if (y.cls() == SoftFloat.INF) {
                invalidPop();
            } else {
                writePop(new long[]{a.neg() ^ y.neg() ? 0x8000 : 0, 0});
            }
            return;
        }
        if (a.cls() == SoftFloat.INF || y.cls() == SoftFloat.INF) {
            if (y.cls() == SoftFloat.ZERO || (a.cls() == SoftFloat.INF && a.neg())) {
                invalidPop();
            } else {
                writePop(inf(a.neg() ^ y.neg()));
            }
            return;
        }
        Val lv;
        if (a.exp() < -60) {
            // an intermediate with an unbounded exponent: no flags of its own
            SoftFloat.Rounded l = SoftFloat.mul(a, INV_LN2, WIDE, SoftFloat.RC_NEAREST);
            lv = new Val(SoftFloat.FINITE, l.neg(), l.sig(), l.exp());
        } else if (a.exp() >= 60 && !a.neg()) {
            lv = ofDouble(a.exp() + StrictMath.log((double) (a.sig() >>> 11) * 0x1p-52) / Math.log(2));
        } else {
            double xd = toDouble(a);
            if (xd <= -1) {
                // outside the defined domain the hardware hands back st(0) (or a zero when
                // st(1) is zero): so does this unit
                int p = x.s.phys(0);
                writePop(y.cls() == SoftFloat.ZERO ? new long[]{y.neg() ? 0 : 0x8000, 0}
                        : new long[]{x.s.se[p], x.s.mant[p]});
                return;
            }
            lv = ofDouble(StrictMath.log1p(xd) / Math.log(2));
        }
        writePop(approx(times(y, lv)));
    }

    /** FPATAN: st(1) = atan2(st(1), st(0)), pop. */
    void fpatan() {
        Val[] v = operands(true, 1);
        if (v == null) {
            return;
        }
        Val xv = v[0];
        Val yv = v[1];
        if (xv.cls() == SoftFloat.FINITE && yv.cls() == SoftFloat.FINITE) {
            int d = yv.exp() - xv.exp();
            if (d < -70 && !xv.neg()) {
                // atan(y/x) = y/x to 64 bits
                writePop(approx(x.roundExt(f -> SoftFloat.div(yv, xv, f, x.rc()))));
                return;
            }
            double yd = (double) (yv.sig() >>> 11) * Math.scalb(1.0, Math.max(-1500, Math.min(1500, d)));
            double xd = (double) (xv.sig() >>> 11);
            double r = StrictMath.atan2(yv.neg() ? -yd : yd, xv.neg() ? -xd : xd);
            result(1, ofDouble(r));
            x.pop();
            return;
        }
        double r = StrictMath.atan2(rep(yv), rep(xv));
        Val rv = ofDouble(r);
        if (rv.cls() == SoftFloat.ZERO) {
            writePop(new long[]{rv.neg() ? 0x8000 : 0, 0});
        } else {
            result(1, rv);
            x.pop();
        }
    }

    /** A double standing in for a zero, an infinity or a finite value in atan2's case analysis. */
    private static double rep(Val v) {
        double m = switch (v.cls()) {
            case SoftFloat.ZERO -> 0.0;
            case SoftFloat.INF -> Double.POSITIVE_INFINITY;
            default -> 1.0;
        };
        return v.neg() ? -m : m;
    }

}
