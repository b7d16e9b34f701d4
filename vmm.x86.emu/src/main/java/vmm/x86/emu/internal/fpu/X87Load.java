package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SoftFloat.DE;
import static vmm.x86.emu.internal.fpu.SoftFloat.IE;
import static vmm.x86.emu.internal.fpu.SoftFloat.OE;
import static vmm.x86.emu.internal.fpu.SoftFloat.PE;
import static vmm.x86.emu.internal.fpu.SoftFloat.UE;

import java.math.BigInteger;

import vmm.x86.emu.internal.fpu.SoftFloat.Rounded;
import vmm.x86.emu.internal.fpu.SoftFloat.Val;

/**
 * x87 data transfer: FLD/FST/FSTP (m32fp, m64fp, m80fp, st(i)), FILD/FIST/FISTP/FISTTP
 * (m16/m32/m64 int), FBLD/FBSTP (m80 packed BCD) and the constants FLD1...FLDZ.
 */
final class X87Load {

    static final int M32FP = 0;
    static final int M64FP = 1;
    static final int M80FP = 2;
    static final int M16INT = 3;
    static final int M32INT = 4;
    static final int M64INT = 5;
    static final int M80BCD = 6;

    private static final BigInteger BCD_LIMIT = BigInteger.TEN.pow(18);

    private final X87 x;

    X87Load(X87 x) {
        this.x = x;
    }

    /** Reads a memory operand of {@code type} as a value; sets {@link X87#lastDenormal}. */
    static Val read(X87 x, int type) {
        FpuHost h = x.c.host;
        x.lastDenormal = false;
        switch (type) {
            case M32FP -> {
                int b = (int) h.load(0, 4);
                x.lastDenormal = (b & 0x7f800000) == 0 && (b & 0x7fffff) != 0;
                return SoftFloat.ofFloat(b);
            }
            case M64FP -> {
                long b = h.load(0, 8);
                x.lastDenormal = (b & 0x7ff0000000000000L) == 0 && (b & 0xfffffffffffffL) != 0;
                return SoftFloat.ofDouble(b);
            }
            case M80FP -> {
                long m = h.load(0, 8);
                int se = (int) h.load(8, 2) & 0xffff;
                return SoftFloat.ofExt(se, m);
            }
            case M16INT -> {
                return ofLong((short) h.load(0, 2));
            }
            case M32INT -> {
                return ofLong((int) h.load(0, 4));
            }
            case M64INT -> {
                return ofLong(h.load(0, 8));
            }
            default -> {
                long lo = h.load(0, 8);
                int hi = (int) h.load(8, 2) & 0xffff;
                long v = 0;
                for (int i = 8; i >= 0; i--) {
                    int b = i == 8 ? hi & 0xff : (int) (lo >>> (8 * i)) & 0xff;
                    v = v * 100 + (b >> 4) * 10L + (b & 0xf);
                }
                Val r = ofLong(v);
                return (hi & 0x8000) != 0 ? new Val(r.cls(), true, r.sig(), r.exp()) : r;
            }
        }
    }

    static Val ofLong(long v) {
        if (v == 0) {
            return new Val(SoftFloat.ZERO, false, 0, 0);
        }
        return SoftFloat.finite(v < 0, v < 0 ? -v : v, 63);
    }

    void fld(int type) {
        FpuHost h = x.c.host;
        if (type == M80FP) {
            long m = h.load(0, 8);
            int se = (int) h.load(8, 2) & 0xffff;
            x.setC1(false);
            if (x.canPush()) {
                x.push(se, m);
            }
            return;
        }
        Val v = read(x, type);
        x.setC1(false);
        if (!x.canPush()) {
            return;
        }
        if (v.cls() == SoftFloat.SNAN) {
            if (x.signal(IE)) {
                long[] q = X87.quiet(v);
                x.push((int) q[0], q[1]);
            }
            return;
        }
        if (x.lastDenormal) {
            // an unmasked denormal exception still loads the value
            x.signal(DE);
        }
        x.push(X87.seOf(v), X87.mantOf(v));
    }

    void fldReg(int i) {
        x.setC1(false);
        if (x.empty(i)) {
            if (x.underflow()) {
                x.push(X87.INDEF_SE, X87.INDEF_MANT);
            }
            return;
        }
        int p = x.s.phys(i);
        int se = x.s.se[p];
        long m = x.s.mant[p];
        if (x.canPush()) {
            x.push(se, m);
        }
    }

    void fstReg(int i, boolean pop) {
        x.setC1(false);
        if (x.empty(0)) {
            if (x.underflow()) {
                x.setSt(i, X87.INDEF_SE, X87.INDEF_MANT);
                if (pop) {
                    x.pop();
                }
            }
            return;
        }
        int p = x.s.phys(0);
        x.setSt(i, x.s.se[p], x.s.mant[p]);
        if (pop) {
            x.pop();
        }
    }

    /** FST/FSTP m32fp/m64fp, FSTP m80fp. */
    void fst(int type, boolean pop) {
        FpuHost h = x.c.host;
        if (x.empty(0)) {
            x.setC1(false);
            if (x.underflow()) {
                switch (type) {
                    case M32FP -> h.store(0, 4, 0xffc00000L);
                    case M64FP -> h.store(0, 8, 0xfff8000000000000L);
                    default -> storeExt(X87.INDEF_SE, X87.INDEF_MANT);
                }
                if (pop) {
                    x.pop();
                }
            }
            return;
        }
        int p = x.s.phys(0);
        if (type == M80FP) {
            storeExt(x.s.se[p], x.s.mant[p]);
            x.setC1(false);
            if (pop) {
                x.pop();
            }
            return;
        }
        Val v = x.st(0);
        boolean dbl = type == M64FP;
        int flags = 0;
        boolean up = false;
        long bits;
        switch (v.cls()) {
            case SoftFloat.UNSUPPORTED -> {
                flags = IE;
                bits = dbl ? 0xfff8000000000000L : 0xffc00000L;
            }
            case SoftFloat.QNAN, SoftFloat.SNAN -> {
                flags = v.cls() == SoftFloat.SNAN ? IE : 0;
                long sig = v.sig() | (1L << 62);
                bits = dbl ? (v.neg() ? Long.MIN_VALUE : 0) | 0x7ff0000000000000L | ((sig >>> 11) & 0xfffffffffffffL)
                        : (v.neg() ? 0x80000000L : 0) | 0x7f800000L | ((sig >>> 40) & 0x7fffff);
            }
            case SoftFloat.INF -> bits = dbl ? (v.neg() ? 0xfff0000000000000L : 0x7ff0000000000000L)
                    : (v.neg() ? 0xff800000L : 0x7f800000L);
            case SoftFloat.ZERO -> bits = dbl ? (v.neg() ? Long.MIN_VALUE : 0) : (v.neg() ? 0x80000000L : 0);
            default -> {
                Rounded r = SoftFloat.round(v, dbl ? SoftFloat.DOUBLE : SoftFloat.SINGLE, x.rc());
                flags |= r.flags();
                if (r.tiny() && !x.masked(UE)) {
                    flags |= UE;
                }
                up = r.up() && (r.flags() & PE) != 0;
                bits = dbl ? SoftFloat.doubleBits(r) : SoftFloat.floatBits(r) & 0xffffffffL;
            }
        }
        int unmasked = flags & ~x.s.fcw & (IE | DE | OE | UE);
        if (unmasked == 0) {
            h.store(0, dbl ? 8 : 4, bits);
        }
        x.setC1(up && unmasked == 0);
        if ((unmasked & (OE | UE)) != 0) {
            flags &= ~PE;
        }
        x.signal(flags);
        if (unmasked == 0 && pop) {
            x.pop();
        }
    }

    private void storeExt(int se, long mant) {
        FpuHost h = x.c.host;
        h.probeWrite(10, 0);
        h.store(0, 8, mant);
        h.store(8, 2, se & 0xffff);
    }

    /** FIST/FISTP/FISTTP to m16/m32/m64 int. */
    void fist(int type, boolean pop, boolean truncate) {
        FpuHost h = x.c.host;
        int size = type == M16INT ? 2 : type == M32INT ? 4 : 8;
        long indefinite = 1L << (8 * size - 1);
        x.setC1(false);
        if (x.empty(0)) {
            if (x.underflow()) {
                h.store(0, size, indefinite);
                if (pop) {
                    x.pop();
                }
            }
            return;
        }
        Val v = x.st(0);
        int flags = 0;
        boolean up = false;
        long result;
        if (v.cls() == SoftFloat.ZERO) {
            result = 0;
        } else if (v.cls() != SoftFloat.FINITE || v.exp() > 64) {
            flags = IE;
            result = indefinite;
        } else {
            BigInteger[] ri = SoftFloat.toIntegral(v, truncate ? SoftFloat.RC_ZERO : x.rc());
            BigInteger limit = BigInteger.ONE.shiftLeft(8 * size - 1);
            if (v.neg() ? ri[0].compareTo(limit) > 0 : ri[0].compareTo(limit) >= 0) {
                flags = IE;
                result = indefinite;
            } else {
                result = v.neg() ? -ri[0].longValue() : ri[0].longValue();
                if (ri[1].signum() != 0) {
                    flags = PE;
                    up = ri[1].intValue() == 2;
                }
            }
        }
        boolean write = (flags & IE) == 0 || x.masked(IE);
        if (write) {
            h.store(0, size, result);
        }
        x.setC1(up);
        x.signal(flags);
        if (write && pop) {
            x.pop();
        }
    }

    void fbstp() {
        FpuHost h = x.c.host;
        x.setC1(false);
        if (x.empty(0)) {
            if (x.underflow()) {
                storeBcdIndefinite();
                x.pop();
            }
            return;
        }
        Val v = x.st(0);
        int flags = 0;
        boolean up = false;
        BigInteger m = BigInteger.ZERO;
        if (v.cls() == SoftFloat.FINITE) {
            if (v.exp() > 64) {
                flags = IE;
            } else {
                BigInteger[] ri = SoftFloat.toIntegral(v, x.rc());
                if (ri[0].compareTo(BCD_LIMIT) >= 0) {
                    flags = IE;
                } else {
                    m = ri[0];
                    if (ri[1].signum() != 0) {
                        flags = PE;
                        up = ri[1].intValue() == 2;
                    }
                }
            }
        } else if (v.cls() != SoftFloat.ZERO) {
            flags = IE;
        }
        boolean write = (flags & IE) == 0 || x.masked(IE);
        if (write) {
            if ((flags & IE) != 0) {
                storeBcdIndefinite();
            } else {
                long n = m.longValue();
                long lo = 0;
                for (int i = 0; i < 8; i++) {
                    long d = n % 100;
                    n /= 100;
                    lo |= ((d / 10) << 4 | (d % 10)) << (8 * i);
                }
                long d = n % 100;
                int hi = (int) ((d / 10) << 4 | (d % 10)) | (v.neg() ? 0x8000 : 0);
                h.probeWrite(10, 0);
                h.store(0, 8, lo);
                h.store(8, 2, hi);
            }
        }
        x.setC1(up);
        x.signal(flags);
        if (write) {
            x.pop();
        }
    }

    private void storeBcdIndefinite() {
        FpuHost h = x.c.host;
        h.probeWrite(10, 0);
        h.store(0, 8, 0xc000000000000000L);
        h.store(8, 2, 0xffff);
    }

    /**
     * FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ. The irrational constants are the
     * round-to-nearest 64-bit significands; rounding toward zero/down (or up, for L2T) moves
     * them by one unit as the hardware's 66-bit internal constants do.
     */
    void constant(int i) {
        x.setC1(false);
        if (!x.canPush()) {
            return;
        }
        int rc = x.rc();
        boolean downward = rc == SoftFloat.RC_DOWN || rc == SoftFloat.RC_ZERO;
        switch (i) {
            case 0 -> x.push(0x3fff, 1L << 63);
            case 1 -> x.push(0x4000, rc == SoftFloat.RC_UP ? 0xd49a784bcd1b8affL : 0xd49a784bcd1b8afeL);
            case 2 -> x.push(0x3fff, downward ? 0xb8aa3b295c17f0bbL : 0xb8aa3b295c17f0bcL);
            case 3 -> x.push(0x4000, downward ? 0xc90fdaa22168c234L : 0xc90fdaa22168c235L);
            case 4 -> x.push(0x3ffd, downward ? 0x9a209a84fbcff798L : 0x9a209a84fbcff799L);
            case 5 -> x.push(0x3ffe, downward ? 0xb17217f7d1cf79abL : 0xb17217f7d1cf79acL);
            default -> x.push(0, 0);
        }
    }
}
