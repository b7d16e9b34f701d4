package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SoftFloat.DE;
import static vmm.x86.emu.internal.fpu.SoftFloat.IE;
import static vmm.x86.emu.internal.fpu.SoftFloat.ZE;
import static vmm.x86.emu.internal.fpu.X87.C0;
import static vmm.x86.emu.internal.fpu.X87.C1;
import static vmm.x86.emu.internal.fpu.X87.C2;
import static vmm.x86.emu.internal.fpu.X87.C3;

import java.math.BigInteger;

import vmm.x86.emu.internal.fpu.SoftFloat.Val;

/**
 * The exact x87 operations beside the transcendentals: FXTRACT, FSCALE, and FPREM/FPREM1
 * (partial remainders reduce the exponent by 32 + (difference mod 32) per step, as Intel does).
 */
final class X87Exact {

    private final X87 x;
    private final X87Transcendental t;

    X87Exact(X87 x, X87Transcendental t) {
        this.x = x;
        this.t = t;
    }


    /** FXTRACT: st(0) becomes the exponent, then the significand is pushed. */
    void fxtract() {
        x.setC1(false);
        if (t.twoResultFault()) {
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
        Val[] v = t.operands(true, 0, false);
        if (v == null) {
            return;
        }
        // t.operands() pops on its error paths only when asked for two; FSCALE never pops
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
            n = b.exp() > 30 ? (1L << 20) : Math.min(1L << 20, SoftFloat.toIntegral(b, SoftFloat.RC_ZERO)[0].longValue());
            n = b.neg() ? -n : n;
        }
        int sh = (int) n;
        long[] r = x.arithRound(new Val(SoftFloat.FINITE, a.neg(), a.sig(), a.exp() + sh));
        x.setSt(0, (int) r[0], r[1]);
    }

    /** FPREM (truncating quotient) and FPREM1 (round-to-nearest quotient). */
    void fprem(boolean ieee) {
        x.setCc(x.s.fsw & X87.CC & ~C2);
        Val[] v = t.operands(true, 0, false, X87Transcendental.REM);
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
