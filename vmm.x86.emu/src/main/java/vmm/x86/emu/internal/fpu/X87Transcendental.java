package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SoftFloat.DE;
import static vmm.x86.emu.internal.fpu.SoftFloat.IE;
import static vmm.x86.emu.internal.fpu.SoftFloat.PE;
import static vmm.x86.emu.internal.fpu.SoftFloat.ZE;
import static vmm.x86.emu.internal.fpu.X87.C0;
import static vmm.x86.emu.internal.fpu.X87.C1;
import static vmm.x86.emu.internal.fpu.X87.C2;
import static vmm.x86.emu.internal.fpu.X87.C3;

import java.math.BigInteger;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import vmm.x86.emu.internal.fpu.SoftFloat.Val;

/**
 * x87 FPREM/FPREM1, FSCALE and FXTRACT (exact), and the transcendental functions F2XM1, FYL2X,
 * FYL2XP1, FPTAN, FPATAN, FSIN, FCOS, FSINCOS. The transcendentals are evaluated in double
 * precision (StrictMath on the operand rounded to double): their results carry about 53
 * correct bits, not the hardware's 64, and always report precision (PE) when not exact.
 */
final class X87Transcendental {

    private static final double TWO63 = 0x1p63;

    private final X87 x;

    X87Transcendental(X87 x) {
        this.x = x;
    }

    /**
     * Common operand checks for st(0) and, when {@code two}, st(1). Returns null when the
     * instruction is finished (stack fault, NaN, unsupported, unmasked denormal).
     */
    private Val[] operands(boolean two, int dest) {
        return operands(two, dest, two);
    }

    private Val[] operands(boolean two, int dest, boolean popOnError) {
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

    /** Writes a double result to st(i) (exactly: every double is an extended value). */
    private void setDouble(int i, double d, boolean inexact) {
        long[] r = x.arithRound(SoftFloat.ofDouble(Double.doubleToRawLongBits(d)));
        x.setSt(i, (int) r[0], r[1]);
        if (inexact) {
            x.signal(PE);
        }
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
        setDouble(0, StrictMath.expm1(toDouble(a) * Math.log(2)), true);
    }

    private void unaryTrig(DoubleUnaryOperator f, boolean pushOne, DoubleUnaryOperator second) {
        x.setCc(x.s.fsw & X87.CC & ~C2);
        Val[] v = operands(false, 0);
        if (v == null) {
            return;
        }
        Val a = v[0];
        if (a.cls() == SoftFloat.INF) {
            if (x.signal(IE)) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
                if (second != null || pushOne) {
                    if (x.canPush()) {
                        x.push(X87.INDEF_SE, X87.INDEF_MANT);
                    }
                }
            }
            return;
        }
        if (a.cls() == SoftFloat.FINITE && a.exp() >= 63) {
            x.setCc((x.s.fsw & X87.CC) | C2);
            return;
        }
        if ((pushOne || second != null) && !x.empty(7)) {
            x.canPush();
            return;
        }
        double d = toDouble(a);
        boolean zero = a.cls() == SoftFloat.ZERO;
        setDouble(0, f.applyAsDouble(d), !zero);
        if (pushOne) {
            x.push(0x3fff, 1L << 63);
        } else if (second != null) {
            double s2 = second.applyAsDouble(d);
            long[] r = x.arithRound(SoftFloat.ofDouble(Double.doubleToRawLongBits(s2)));
            x.push((int) r[0], r[1]);
        }
    }

    void fsin() {
        unaryTrig(StrictMath::sin, false, null);
    }

    void fcos() {
        unaryTrig(StrictMath::cos, false, null);
    }

    void fptan() {
        unaryTrig(StrictMath::tan, true, null);
    }

    /** FSINCOS: st(0) = sin, then push cos. */
    void fsincos() {
        unaryTrig(StrictMath::sin, false, StrictMath::cos);
    }

    private void binaryPop(DoubleBinaryOperator f, boolean log) {
        Val[] v = operands(true, 1);
        if (v == null) {
            return;
        }
        Val a = v[0];
        Val b = v[1];
        double xa = toDouble(a);
        double yb = toDouble(b);
        if (log) {
            if (a.neg() && a.cls() != SoftFloat.ZERO && f != null) {
                invalidPop();
                return;
            }
        }
        double r = f.applyAsDouble(xa, yb);
        if (Double.isNaN(r)) {
            invalidPop();
            return;
        }
        setDouble(1, r, a.cls() == SoftFloat.FINITE && !Double.isInfinite(r) && r != 0);
        x.pop();
    }

    private void invalidPop() {
        if (x.signal(IE)) {
            x.setSt(1, X87.INDEF_SE, X87.INDEF_MANT);
            x.pop();
        }
    }

    void fyl2x(boolean plusOne) {
        if (!plusOne) {
            Val[] peek = x.empty(0) || x.empty(1) ? null : new Val[]{x.st(0), x.st(1)};
            if (peek != null && peek[0].cls() == SoftFloat.ZERO && peek[1].cls() == SoftFloat.FINITE) {
                if (x.signal(ZE)) {
                    boolean neg = !peek[1].neg();
                    x.setSt(1, neg ? 0xffff : 0x7fff, 1L << 63);
                    x.pop();
                }
                return;
            }
            binaryPop((xa, y) -> y * (StrictMath.log(xa) / Math.log(2)), true);
        } else {
            binaryPop((xa, y) -> y * (StrictMath.log1p(xa) / Math.log(2)), false);
        }
    }

    void fpatan() {
        binaryPop((xa, y) -> StrictMath.atan2(y, xa), false);
    }

    // ---- exact ones ----

    /** FXTRACT: st(0) becomes the exponent, then the significand is pushed. */
    void fxtract() {
        x.setC1(false);
        if (!x.empty(7)) {
            x.s.fsw |= IE | X87.SF;
            x.updateEs();
            if (x.masked(IE)) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
                x.push(X87.INDEF_SE, X87.INDEF_MANT);
            }
            return;
        }
        if (x.empty(0)) {
            if (x.underflow()) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
                x.push(X87.INDEF_SE, X87.INDEF_MANT);
            }
            return;
        }
        Val a = x.st(0);
        if (a.cls() == SoftFloat.UNSUPPORTED || a.isNan()) {
            boolean invalid = a.cls() != SoftFloat.QNAN;
            if (x.signal(invalid ? IE : 0)) {
                long[] q = a.isNan() ? X87.quiet(a) : new long[]{X87.INDEF_SE, X87.INDEF_MANT};
                x.setSt(0, (int) q[0], q[1]);
                x.push((int) q[0], q[1]);
            }
            return;
        }
        if (x.isDenormal(0) && !x.signal(DE)) {
            return;
        }
        switch (a.cls()) {
            case SoftFloat.ZERO -> {
                if (!x.signal(ZE)) {
                    return;
                }
                x.setSt(0, 0xffff, 1L << 63);
                x.push(a.neg() ? 0x8000 : 0, 0);
            }
            case SoftFloat.INF -> {
                x.setSt(0, 0x7fff, 1L << 63);
                x.push(X87.seOf(a), X87.mantOf(a));
            }
            default -> {
                Val e = X87Load.ofLong(a.exp());
                x.setSt(0, X87.seOf(e), X87.mantOf(e));
                x.push((a.neg() ? 0x8000 : 0) | 0x3fff, a.sig());
            }
        }
    }

    void fscale() {
        Val[] v = operands(true, 0, false);
        if (v == null) {
            return;
        }
        // operands() pops on its error paths only when asked for two; FSCALE never pops
        Val a = v[0];
        Val b = v[1];
        if (b.cls() == SoftFloat.INF) {
            boolean bad = b.neg() ? a.cls() == SoftFloat.INF : a.cls() == SoftFloat.ZERO;
            if (bad) {
                if (x.signal(IE)) {
                    x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
                }
                return;
            }
            if (a.cls() == SoftFloat.FINITE) {
                x.setSt(0, b.neg() ? (a.neg() ? 0x8000 : 0) : (a.neg() ? 0xffff : 0x7fff), b.neg() ? 0 : 1L << 63);
            }
            return;
        }
        if (a.cls() != SoftFloat.FINITE) {
            return;
        }
        long n = 0;
        if (b.cls() == SoftFloat.FINITE) {
            n = b.exp() > 30 ? (1L << 20) : SoftFloat.toIntegral(b, SoftFloat.RC_ZERO)[0].longValue();
            n = b.neg() ? -n : n;
        }
        int sh = (int) n;
        long[] r = x.arithRound(new Val(SoftFloat.FINITE, a.neg(), a.sig(), a.exp() + sh));
        x.setSt(0, (int) r[0], r[1]);
    }

    /** FPREM (truncating quotient) and FPREM1 (round-to-nearest quotient). */
    void fprem(boolean ieee) {
        x.setCc(x.s.fsw & X87.CC & ~C2);
        Val[] v = operands(true, 0, false);
        if (v == null) {
            return;
        }
        Val a = v[0];
        Val b = v[1];
        if (a.cls() == SoftFloat.INF || b.cls() == SoftFloat.ZERO) {
            x.setCc(x.s.fsw & X87.CC & ~C2);
            if (x.signal(IE)) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
            }
            return;
        }
        if (a.cls() == SoftFloat.ZERO || b.cls() == SoftFloat.INF) {
            x.setCc(0);
            if (a.cls() != SoftFloat.ZERO && x.isDenormal(0)) {
                long[] r = x.arithRound(a);
                x.setSt(0, (int) r[0], r[1]);
            }
            return;
        }
        int d = a.exp() - b.exp();
        BigInteger aa = SoftFloat.unsigned(a.sig());
        BigInteger bb = SoftFloat.unsigned(b.sig());
        if (d >= 64) {
            int n = 32 + (d & 31);
            BigInteger q = aa.shiftLeft(n).divide(bb);
            BigInteger r = aa.shiftLeft(n).subtract(q.multiply(bb));
            int exp = b.exp() - 63 + (d - n);
            write(a.neg(), r, exp);
            x.setCc(C2);
            return;
        }
        if (d < -1 || (d == -1 && !ieee)) {
            x.setCc(0);
            if (x.isDenormal(0)) {
                long[] r = x.arithRound(a);
                x.setSt(0, (int) r[0], r[1]);
            }
            return;
        }
        BigInteger num;
        BigInteger den;
        int exp;
        if (d >= 0) {
            num = aa.shiftLeft(d);
            den = bb;
            exp = b.exp() - 63;
        } else {
            num = aa;
            den = bb.shiftLeft(1);
            exp = a.exp() - 63;
        }
        BigInteger[] qr = num.divideAndRemainder(den);
        BigInteger q = qr[0];
        BigInteger r = qr[1];
        boolean neg = a.neg();
        if (ieee) {
            int c = r.shiftLeft(1).compareTo(den);
            if (c > 0 || (c == 0 && q.testBit(0))) {
                q = q.add(BigInteger.ONE);
                r = den.subtract(r);
                neg = !neg;
            }
        }
        write(neg, r, exp);
        int qb = q.intValue();
        x.setCc(((qb & 4) != 0 ? C0 : 0) | ((qb & 2) != 0 ? C3 : 0) | ((qb & 1) != 0 ? C1 : 0));
    }

    private void write(boolean neg, BigInteger r, int exp) {
        if (r.signum() == 0) {
            x.setSt(0, neg ? 0x8000 : 0, 0);
            return;
        }
        int lz = 64 - r.bitLength();
        long sig = r.shiftLeft(lz).longValue();
        long[] out = x.arithRound(new Val(SoftFloat.FINITE, neg, sig, exp + 63 - lz));
        x.setSt(0, (int) out[0], out[1]);
    }
}
