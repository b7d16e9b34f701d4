package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SoftFloat.DE;
import static vmm.x86.emu.internal.fpu.SoftFloat.IE;
import static vmm.x86.emu.internal.fpu.SoftFloat.OE;
import static vmm.x86.emu.internal.fpu.SoftFloat.PE;
import static vmm.x86.emu.internal.fpu.SoftFloat.UE;
import static vmm.x86.emu.internal.fpu.SoftFloat.ZE;
import static vmm.x86.emu.internal.fpu.X87.C0;
import static vmm.x86.emu.internal.fpu.X87.C1;
import static vmm.x86.emu.internal.fpu.X87.C2;
import static vmm.x86.emu.internal.fpu.X87.C3;

import java.math.BigInteger;
import java.util.function.Function;

import vmm.x86.emu.internal.fpu.SoftFloat.Format;
import vmm.x86.emu.internal.fpu.SoftFloat.Rounded;
import vmm.x86.emu.internal.fpu.SoftFloat.Val;

/**
 * x87 arithmetic and comparisons: FADD/FMUL/FSUB[R]/FDIV[R] in all forms (register, m32fp,
 * m64fp, m16int, m32int, popping), FSQRT, FRNDINT, FCOM/FCOMP/FCOMPP/FUCOM*, FICOM,
 * FCOMI/FUCOMI[P], FTST and FXAM. Results are rounded once, exactly, under precision and
 * rounding control; unmasked overflow/underflow deliver the exponent wrapped by 24576.
 */
final class X87Arith {

    static final int ADD = 0;
    static final int MUL = 1;
    static final int SUB = 4;
    static final int DIV = 6;
    static final int SQRT = 8;

    private static final int WRAP = 24576;

    private final X87 x;

    X87Arith(X87 x) {
        this.x = x;
    }

    /** D8/DC/DA/DE with memory: st0 = st0 op m. */
    void memOp(int reg, int type) {
        Val m = x.c.insn.memory() ? X87Load.read(x, type) : null;
        boolean mDen = x.lastDenormal;
        if (reg == 2 || reg == 3) {
            compareWith(m, mDen, false, reg == 3 ? 1 : 0);
            return;
        }
        binary(reg, 0, m, mDen, false);
    }

    /** Register forms: dest = st(dest) op st(src); {@code reversed} for DC/DE's swapped SUB/DIV. */
    void regOp(int reg, int dest, int src, boolean reversed, boolean pop) {
        if (reg == 2 || reg == 3) { // FCOM/FCOMP (and the DC/DE aliases)
            compare(0, reversed ? dest : src, false, reg == 3 ? 1 : 0);
            return;
        }
        if (x.empty(dest) || x.empty(src)) {
            x.setC1(false);
            if (x.underflow()) {
                x.setSt(dest, X87.INDEF_SE, X87.INDEF_MANT);
                if (pop) {
                    x.pop();
                }
            }
            return;
        }
        if (reversed && reg >= 4) {
            reg ^= 1;
        }
        if (binary(reg, dest, x.st(src), x.isDenormal(src), true) && pop) {
            x.pop();
        }
    }

    /** dest = st(dest) op b (op from the ModRM reg field). Returns whether it completed. */
    private boolean binary(int reg, int dest, Val b, boolean bDen, boolean regSource) {
        if (!regSource && x.empty(dest)) {
            x.setC1(false);
            if (x.underflow()) {
                x.setSt(dest, X87.INDEF_SE, X87.INDEF_MANT);
                return true;
            }
            return false;
        }
        Val a = x.st(dest);
        boolean aDen = x.isDenormal(dest);
        int op;
        boolean swap = false;
        switch (reg) {
            case 0 -> op = ADD;
            case 1 -> op = MUL;
            case 4 -> op = SUB;
            case 5 -> {
                op = SUB;
                swap = true;
            }
            case 6 -> op = DIV;
            default -> {
                op = DIV;
                swap = true;
            }
        }
        long[] r = swap ? compute(op, b, a, bDen, aDen) : compute(op, a, b, aDen, bDen);
        if (r == null) {
            return false;
        }
        x.setSt(dest, (int) r[0], r[1]);
        return true;
    }

    void fsqrt() {
        if (x.empty(0)) {
            x.setC1(false);
            if (x.underflow()) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
            }
            return;
        }
        long[] r = compute(SQRT, x.st(0), x.st(0), x.isDenormal(0), false);
        if (r != null) {
            x.setSt(0, (int) r[0], r[1]);
        }
    }

    /**
     * The x87 result of a op b (b unused for SQRT) as {se, mant}, or null when an unmasked
     * invalid/denormal/divide exception suppresses the write. Sets the flags and C1.
     */
    long[] compute(int op, Val a, Val b, boolean aDen, boolean bDen) {
        x.setC1(false);
        boolean unary = op == SQRT;
        if (a.cls() == SoftFloat.UNSUPPORTED || (!unary && b.cls() == SoftFloat.UNSUPPORTED)) {
            return invalid();
        }
        if (a.isNan() || (!unary && b.isNan())) {
            Val n = unary ? a : X87.pickNan(a, b);
            boolean snan = a.cls() == SoftFloat.SNAN || (!unary && b.cls() == SoftFloat.SNAN);
            if (!x.signal(snan ? IE : 0)) {
                return null;
            }
            return X87.quiet(n);
        }
        // invalid combinations of specials
        int ca = a.cls();
        int cb = unary ? SoftFloat.FINITE : b.cls();
        boolean bneg = op == SUB ? !b.neg() : b.neg();
        switch (op) {
            case ADD, SUB -> {
                if (ca == SoftFloat.INF && cb == SoftFloat.INF && a.neg() != bneg) {
                    return invalid();
                }
            }
            case MUL -> {
                if ((ca == SoftFloat.INF && cb == SoftFloat.ZERO) || (ca == SoftFloat.ZERO && cb == SoftFloat.INF)) {
                    return invalid();
                }
            }
            case DIV -> {
                if ((ca == SoftFloat.INF && cb == SoftFloat.INF) || (ca == SoftFloat.ZERO && cb == SoftFloat.ZERO)) {
                    return invalid();
                }
            }
            default -> {
                if (a.neg() && ca != SoftFloat.ZERO) {
                    return invalid();
                }
            }
        }
        if (op == DIV && cb == SoftFloat.ZERO && ca != SoftFloat.INF) {
            // divide-by-zero takes precedence over the denormal-operand flag
            return x.signal(ZE) ? inf(a.neg() ^ b.neg()) : null;
        }
        if ((aDen || (!unary && bDen)) && !x.signal(DE)) {
            return null;
        }
        boolean neg = a.neg() ^ b.neg();
        switch (op) {
            case ADD, SUB -> {
                if (ca == SoftFloat.INF) {
                    return inf(a.neg());
                }
                if (cb == SoftFloat.INF) {
                    return inf(bneg);
                }
                if (ca == SoftFloat.ZERO && cb == SoftFloat.ZERO) {
                    boolean zneg = a.neg() == bneg ? a.neg() : x.rc() == SoftFloat.RC_DOWN;
                    return new long[]{zneg ? 0x8000 : 0, 0};
                }
                Val bb = new Val(b.cls(), bneg, b.sig(), b.exp());
                return round(f -> SoftFloat.add(a, bb, f, x.rc()));
            }
            case MUL -> {
                if (ca == SoftFloat.INF || cb == SoftFloat.INF) {
                    return inf(neg);
                }
                if (ca == SoftFloat.ZERO || cb == SoftFloat.ZERO) {
                    return new long[]{neg ? 0x8000 : 0, 0};
                }
                return round(f -> SoftFloat.mul(a, b, f, x.rc()));
            }
            case DIV -> {
                if (ca == SoftFloat.INF) {
                    return inf(neg);
                }
                if (cb == SoftFloat.INF || ca == SoftFloat.ZERO) {
                    return new long[]{neg ? 0x8000 : 0, 0};
                }
                if (cb == SoftFloat.ZERO) {
                    if (!x.signal(ZE)) {
                        return null;
                    }
                    return inf(neg);
                }
                return round(f -> SoftFloat.div(a, b, f, x.rc()));
            }
            default -> {
                if (ca == SoftFloat.ZERO || ca == SoftFloat.INF) {
                    return new long[]{X87.seOf(a), X87.mantOf(a)};
                }
                return round(f -> SoftFloat.sqrt(a, f, x.rc()));
            }
        }
    }

    private long[] invalid() {
        if (!x.signal(IE)) {
            return null;
        }
        return new long[]{X87.INDEF_SE, X87.INDEF_MANT};
    }

    private static long[] inf(boolean neg) {
        return new long[]{neg ? 0xffff : 0x7fff, 1L << 63};
    }

    /**
     * Rounds under precision control; with overflow or underflow unmasked, recomputes with a
     * widened exponent range and wraps the exponent (the 24576 bias adjustment).
     */
    long[] round(Function<Format, Rounded> op) {
        return roundTo(op, x.pcFormat());
    }

    long[] roundTo(Function<Format, Rounded> op, Format f) {
        Rounded r = op.apply(f);
        int flags = r.flags();
        if ((flags & OE) != 0 && !x.masked(OE)) {
            Rounded w = op.apply(wide(f));
            if (w.inf() || (w.flags() & OE) != 0) {
                // beyond even the wrapped range: infinity
                x.signal(OE | PE);
                x.setC1(true);
                return new long[]{r.neg() ? 0xffff : 0x7fff, 1L << 63};
            }
            x.signal(OE | (w.flags() & PE));
            x.setC1(w.up() && (w.flags() & PE) != 0);
            return new long[]{SoftFloat.extSe(shift(w, -WRAP)), w.sig()};
        }
        if (r.tiny() && !x.masked(UE)) {
            Rounded w = op.apply(wide(f));
            if (w.tiny()) {
                // beyond even the wrapped range: zero
                x.signal(UE | PE);
                x.setC1(false);
                return new long[]{r.neg() ? 0x8000 : 0, 0};
            }
            x.signal(UE | (w.flags() & PE));
            x.setC1(w.up() && (w.flags() & PE) != 0);
            return new long[]{SoftFloat.extSe(shift(w, WRAP)), w.sig()};
        }
        x.signal(flags);
        x.setC1(r.up() && (flags & PE) != 0);
        return new long[]{SoftFloat.extSe(r), SoftFloat.extMant(r)};
    }

    private static Format wide(Format f) {
        return new Format(f.precision(), f.emin() - WRAP, f.emax() + WRAP, f.container());
    }

    private static Rounded shift(Rounded r, int by) {
        return new Rounded(r.neg(), false, r.sig(), r.exp() + by, r.flags(), false, r.up(), r.wideInexact());
    }

    void frndint() {
        if (x.empty(0)) {
            x.setC1(false);
            if (x.underflow()) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
            }
            return;
        }
        Val a = x.st(0);
        x.setC1(false);
        if (a.cls() == SoftFloat.UNSUPPORTED) {
            if (x.signal(IE)) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
            }
            return;
        }
        if (a.isNan()) {
            if (x.signal(a.cls() == SoftFloat.SNAN ? IE : 0)) {
                long[] q = X87.quiet(a);
                x.setSt(0, (int) q[0], q[1]);
            }
            return;
        }
        if (x.isDenormal(0) && !x.signal(DE)) {
            return;
        }
        if (a.cls() != SoftFloat.FINITE || a.exp() >= 63) {
            return;
        }
        BigInteger[] ri = SoftFloat.toIntegral(a, x.rc());
        if (ri[1].signum() != 0) {
            x.signal(PE);
            x.setC1(ri[1].intValue() == 2);
        }
        if (ri[0].signum() == 0) {
            x.setSt(0, a.neg() ? 0x8000 : 0, 0);
        } else {
            x.setSt(0, X87.seOf(SoftFloat.finite(a.neg(), ri[0].longValue(), 63)),
                    X87.mantOf(SoftFloat.finite(a.neg(), ri[0].longValue(), 63)));
        }
    }

    // ---- comparisons ----

    /**
     * FCOM/FUCOM st(0) with st(i), popping {@code pops} times. The condition codes C3 C2 C0 are
     * 000 (greater), 001 (less), 100 (equal), 111 (unordered); C1 is cleared.
     */
    void compare(int a, int i, boolean unordered, int pops) {
        if (x.empty(a) || x.empty(i)) {
            x.setCc(C0 | C2 | C3);
            if (x.underflow()) {
                for (int k = 0; k < pops; k++) {
                    x.pop();
                }
            }
            return;
        }
        int r = cmp(x.st(a), x.st(i), x.isDenormal(a) || x.isDenormal(i), unordered);
        x.setCc(cc(r));
        if (stopped) {
            return;
        }
        for (int k = 0; k < pops; k++) {
            x.pop();
        }
    }

    private void compareWith(Val m, boolean mDen, boolean unordered, int pops) {
        if (x.empty(0)) {
            x.setCc(C0 | C2 | C3);
            if (x.underflow()) {
                if (pops > 0) {
                    x.pop();
                }
            }
            return;
        }
        int r = cmp(x.st(0), m, x.isDenormal(0) || mDen, unordered);
        x.setCc(cc(r));
        if (stopped) {
            return;
        }
        if (pops > 0) {
            x.pop();
        }
    }

    private static int cc(int r) {
        return switch (r) {
            case 1 -> 0;
            case -1 -> C0;
            case 0 -> C3;
            default -> C0 | C2 | C3;
        };
    }

    /** Set by {@link #cmp}: an unmasked exception means no pop (the codes are still set). */
    private boolean stopped;

    /** -1/0/1, or 2 unordered; sets {@link #stopped} for an unmasked exception. */
    private int cmp(Val a, Val b, boolean den, boolean unordered) {
        stopped = false;
        boolean nan = a.isNan() || b.isNan() || a.cls() == SoftFloat.UNSUPPORTED || b.cls() == SoftFloat.UNSUPPORTED;
        if (nan) {
            boolean quietOnly = a.cls() != SoftFloat.SNAN && b.cls() != SoftFloat.SNAN
                    && a.cls() != SoftFloat.UNSUPPORTED && b.cls() != SoftFloat.UNSUPPORTED;
            if (!(unordered && quietOnly)) {
                stopped = !x.signal(IE);
            }
            return 2;
        }
        if (den) {
            stopped = !x.signal(DE);
        }
        return SoftFloat.compare(a, b);
    }

    /** FCOMI/FUCOMI[P] st(0), st(i): ZF, PF, CF (set even when an unmasked exception stops it). */
    void comi(int i, boolean unordered, boolean pop) {
        int r;
        if (x.empty(0) || x.empty(i)) {
            stopped = !x.underflow();
            r = 2;
        } else {
            r = cmp(x.st(0), x.st(i), x.isDenormal(0) || x.isDenormal(i), unordered);
        }
        x.c.host.setCompareFlags(r == 0 || r == 2, r == 2, r == -1 || r == 2);
        if (pop && !stopped) {
            x.pop();
        }
    }

    void ftst() {
        compareWith(new Val(SoftFloat.ZERO, false, 0, 0), false, false, 0);
    }

    /** FXAM: C3 C2 C0 classify st(0) (empty included), C1 is its sign. */
    void fxam() {
        int p = x.s.phys(0);
        int sign = (x.s.se[p] & 0x8000) != 0 ? C1 : 0;
        if (x.empty(0)) {
            x.setCc(C3 | C0 | sign);
            return;
        }
        Val v = x.st(0);
        int k = switch (v.cls()) {
            case SoftFloat.UNSUPPORTED -> 0;
            case SoftFloat.QNAN, SoftFloat.SNAN -> C0;
            case SoftFloat.INF -> C2 | C0;
            case SoftFloat.ZERO -> C3;
            default -> x.isDenormal(0) ? C3 | C2 : C2;
        };
        x.setCc(k | sign);
    }
}
