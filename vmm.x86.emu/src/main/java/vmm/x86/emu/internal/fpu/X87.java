package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SoftFloat.DE;
import static vmm.x86.emu.internal.fpu.SoftFloat.IE;
import static vmm.x86.emu.internal.fpu.SoftFloat.ZE;

import vmm.x86.emu.internal.fpu.SoftFloat.Format;
import vmm.x86.emu.internal.fpu.SoftFloat.Rounded;
import vmm.x86.emu.internal.fpu.SoftFloat.Val;

/**
 * The x87 FPU: decoding of the escapes D8-DF and FWAIT, the register stack, and the status-word
 * rules (stack faults, exception flags, ES/B, masked responses). The instruction families are
 * {@link X87Arith}, {@link X87Load}, {@link X87Control} and {@link X87Transcendental}.
 */
final class X87 {

    static final int SF = 0x40;
    static final int ES = 0x80;
    static final int C0 = 0x100;
    static final int C1 = 0x200;
    static final int C2 = 0x400;
    static final int C3 = 0x4000;
    static final int B = 0x8000;
    static final int CC = C0 | C1 | C2 | C3;

    static final int INDEF_SE = 0xffff;
    static final long INDEF_MANT = 0xc000000000000000L;

    final Simd c;
    final SimdState s;
    /** Whether the last memory operand read by {@link X87Load#read} was a denormal. */
    boolean lastDenormal;
    private final X87Arith arith;
    private final X87Load load;
    private final X87Control control;
    private final X87Transcendental trans;
    private final X87Exact exact;

    X87(Simd c) {
        this.c = c;
        this.s = c.s;
        arith = new X87Arith(this);
        load = new X87Load(this);
        control = new X87Control(this);
        trans = new X87Transcendental(this);
        exact = new X87Exact(this, trans);
    }

    // ---- decoding ----

    void execute() {
        SimdInsn in = c.insn;
        long cr0 = c.host.cr0();
        if (in.opcode() == 0x9b) { // FWAIT
            if ((cr0 & (Simd.CR0_TS | Simd.CR0_MP)) == (Simd.CR0_TS | Simd.CR0_MP)) {
                throw c.host.fault(7);
            }
            c.pendingX87();
            return;
        }
        if ((cr0 & (Simd.CR0_EM | Simd.CR0_TS)) != 0) {
            throw c.host.fault(7);
        }
        int op = in.opcode();
        int reg = (in.modrm() >> 3) & 7;
        int rm = in.modrm() & 7;
        if (!isNonWaiting(op, reg, in.memory(), in.modrm())) {
            c.pendingX87();
        }
        if (in.memory()) {
            memory(op, reg);
        } else {
            register(op, reg, rm);
        }
    }

    /** FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE do not check pending exceptions. */
    private static boolean isNonWaiting(int op, int reg, boolean mem, int modrm) {
        if (mem) {
            return (op == 0xd9 && (reg == 6 || reg == 7)) || (op == 0xdd && (reg == 6 || reg == 7));
        }
        return (op == 0xdb && (modrm == 0xe2 || modrm == 0xe3)) || (op == 0xdf && modrm == 0xe0);
    }

    private void memory(int op, int reg) {
        switch (op) {
            case 0xd8 -> arith.memOp(reg, X87Load.M32FP);
            case 0xdc -> arith.memOp(reg, X87Load.M64FP);
            case 0xda -> arith.memOp(reg, X87Load.M32INT);
            case 0xde -> arith.memOp(reg, X87Load.M16INT);
            case 0xd9 -> {
                switch (reg) {
                    case 0 -> load.fld(X87Load.M32FP);
                    case 2 -> load.fst(X87Load.M32FP, false);
                    case 3 -> load.fst(X87Load.M32FP, true);
                    case 4 -> control.fldenv();
                    case 5 -> control.fldcw();
                    case 6 -> control.fnstenv();
                    case 7 -> control.fnstcw();
                    default -> throw c.unimplemented();
                }
            }
            case 0xdb -> {
                switch (reg) {
                    case 0 -> load.fld(X87Load.M32INT);
                    case 1 -> load.fist(X87Load.M32INT, true, true);
                    case 2 -> load.fist(X87Load.M32INT, false, false);
                    case 3 -> load.fist(X87Load.M32INT, true, false);
                    case 5 -> load.fld(X87Load.M80FP);
                    case 7 -> load.fst(X87Load.M80FP, true);
                    default -> throw c.unimplemented();
                }
            }
            case 0xdd -> {
                switch (reg) {
                    case 0 -> load.fld(X87Load.M64FP);
                    case 1 -> load.fist(X87Load.M64INT, true, true);
                    case 2 -> load.fst(X87Load.M64FP, false);
                    case 3 -> load.fst(X87Load.M64FP, true);
                    case 4 -> control.frstor();
                    case 6 -> control.fnsave();
                    case 7 -> c.host.store(0, 2, s.statusWord());
                    default -> throw c.unimplemented();
                }
            }
            case 0xdf -> {
                switch (reg) {
                    case 0 -> load.fld(X87Load.M16INT);
                    case 1 -> load.fist(X87Load.M16INT, true, true);
                    case 2 -> load.fist(X87Load.M16INT, false, false);
                    case 3 -> load.fist(X87Load.M16INT, true, false);
                    case 4 -> load.fld(X87Load.M80BCD);
                    case 5 -> load.fld(X87Load.M64INT);
                    case 6 -> load.fbstp();
                    case 7 -> load.fist(X87Load.M64INT, true, false);
                    default -> throw c.unimplemented();
                }
            }
            default -> throw c.unimplemented();
        }
    }

    private void register(int op, int reg, int i) {
        switch (op) {
            case 0xd8 -> arith.regOp(reg, 0, i, false, false);
            case 0xdc -> arith.regOp(reg, i, 0, true, false);
            case 0xde -> {
                if (reg == 3) {
                    if (i != 1) {
                        throw c.unimplemented();
                    }
                    arith.compare(0, 1, false, 2); // FCOMPP
                } else {
                    arith.regOp(reg, i, 0, true, true);
                }
            }
            case 0xd9 -> d9(reg, i);
            case 0xda -> {
                if (reg < 4) {
                    control.fcmov(reg, false, i);
                } else if (reg == 5 && i == 1) {
                    arith.compare(0, 1, true, 2); // FUCOMPP
                } else {
                    throw c.unimplemented();
                }
            }
            case 0xdb -> {
                if (reg < 4) {
                    control.fcmov(reg, true, i);
                } else if (reg == 5 || reg == 6) {
                    arith.comi(i, reg == 5, false);
                } else if (reg == 4) {
                    switch (i) {
                        case 0, 1, 4 -> { } // FENI, FDISI, FSETPM: no-ops on a 387 and later
                        case 2 -> control.fnclex();
                        case 3 -> control.fninit();
                        default -> throw c.unimplemented();
                    }
                } else {
                    throw c.unimplemented();
                }
            }
            case 0xdd -> {
                switch (reg) {
                    case 0 -> control.ffree(i, false);
                    case 1 -> control.fxch(i);
                    case 2 -> load.fstReg(i, false);
                    case 3 -> load.fstReg(i, true);
                    case 4 -> arith.compare(0, i, true, 0);
                    case 5 -> arith.compare(0, i, true, 1);
                    default -> throw c.unimplemented();
                }
            }
            case 0xdf -> {
                switch (reg) {
                    case 0 -> control.ffree(i, true);
                    case 1 -> control.fxch(i);
                    case 2, 3 -> load.fstReg(i, true);
                    case 4 -> {
                        if (i != 0) {
                            throw c.unimplemented();
                        }
                        c.host.setGpr(0, 2, s.statusWord());
                    }
                    case 5, 6 -> arith.comi(i, reg == 5, true);
                    default -> throw c.unimplemented();
                }
            }
            default -> throw c.unimplemented();
        }
    }

    private void d9(int reg, int i) {
        switch (reg) {
            case 0 -> load.fldReg(i);
            case 1 -> control.fxch(i);
            case 2 -> {
                if (i != 0) {
                    throw c.unimplemented();
                }
            }
            case 3 -> load.fstReg(i, true);
            case 4 -> {
                switch (i) {
                    case 0 -> control.fchs(false);
                    case 1 -> control.fchs(true);
                    case 4 -> arith.ftst();
                    case 5 -> arith.fxam();
                    default -> throw c.unimplemented();
                }
            }
            case 5 -> {
                if (i == 7) {
                    throw c.unimplemented();
                }
                load.constant(i);
            }
            case 6 -> {
                switch (i) {
                    case 0 -> trans.f2xm1();
                    case 1 -> trans.fyl2x(false);
                    case 2 -> trans.fptan();
                    case 3 -> trans.fpatan();
                    case 4 -> exact.fxtract();
                    case 5 -> exact.fprem(true);
                    case 6 -> control.incdec(-1);
                    default -> control.incdec(1);
                }
            }
            default -> {
                switch (i) {
                    case 0 -> exact.fprem(false);
                    case 1 -> trans.fyl2x(true);
                    case 2 -> arith.fsqrt();
                    case 3 -> trans.fsincos();
                    case 4 -> arith.frndint();
                    case 5 -> exact.fscale();
                    case 6 -> trans.fsin();
                    default -> trans.fcos();
                }
            }
        }
    }

    // ---- stack and registers ----

    Val st(int i) {
        int p = s.phys(i);
        return SoftFloat.ofExt(s.se[p], s.mant[p]);
    }

    boolean isDenormal(int i) {
        int p = s.phys(i);
        return (s.se[p] & 0x7fff) == 0 && s.mant[p] != 0;
    }

    boolean empty(int i) {
        return s.isEmpty(i);
    }

    void setSt(int i, int se, long mant) {
        int p = s.phys(i);
        s.se[p] = se & 0xffff;
        s.mant[p] = mant;
        s.empty &= ~(1 << p);
    }

    void setSt(int i, Val v) {
        setSt(i, seOf(v), mantOf(v));
    }

    void push(int se, long mant) {
        s.top = (s.top - 1) & 7;
        setSt(0, se, mant);
    }

    void pop() {
        s.empty |= 1 << s.phys(0);
        s.top = (s.top + 1) & 7;
    }

    /** Stack overflow check before a push: false when the push must not happen normally. */
    boolean canPush() {
        if (empty(7)) {
            return true;
        }
        s.fsw |= IE | SF | C1;
        if (masked(IE)) {
            push(INDEF_SE, INDEF_MANT);
        }
        updateEs();
        return false;
    }

    /**
     * Signals stack underflow. Returns true when IE is masked (the caller then writes the
     * indefinite QNaN), false when the instruction must stop.
     */
    boolean underflow() {
        s.fsw = (s.fsw | IE | SF) & ~C1;
        updateEs();
        return masked(IE);
    }

    boolean masked(int flag) {
        return (s.fcw & flag) != 0;
    }

    void updateEs() {
        if ((s.fsw & ~s.fcw & 0x3f) != 0) {
            s.fsw |= ES | B;
        } else {
            s.fsw &= ~(ES | B);
        }
    }

    /**
     * Records exception flags; returns false when an unmasked invalid, denormal or divide
     * exception means the destination must stay unchanged.
     */
    boolean signal(int flags) {
        if (flags == 0) {
            return true;
        }
        s.fsw |= flags;
        updateEs();
        return (flags & (IE | DE | ZE) & ~s.fcw) == 0;
    }

    void setCc(int bits) {
        s.fsw = (s.fsw & ~CC) | bits;
    }

    void setC1(boolean on) {
        s.fsw = on ? s.fsw | C1 : s.fsw & ~C1;
    }

    int rc() {
        return (s.fcw >> 10) & 3;
    }

    /** The format of arithmetic results under precision control. */
    Format pcFormat() {
        return switch ((s.fcw >> 8) & 3) {
            case 0 -> SoftFloat.EXT24;
            case 2 -> SoftFloat.EXT53;
            default -> SoftFloat.EXT;
        };
    }

    /** Rounds an exact value to the extended format (no precision control), with flags and C1. */
    long[] arithRound(Val v) {
        return arith.roundTo(f -> SoftFloat.round(v, f, rc()), SoftFloat.EXT);
    }

    /** Rounds an exact operation to the extended format (no precision control). */
    long[] roundExt(java.util.function.Function<Format, Rounded> op) {
        return arith.roundTo(op, SoftFloat.EXT);
    }

    // ---- value conversion ----

    static int seOf(Val v) {
        int sign = v.neg() ? 0x8000 : 0;
        return switch (v.cls()) {
            case SoftFloat.ZERO -> sign;
            case SoftFloat.INF, SoftFloat.QNAN, SoftFloat.SNAN -> sign | 0x7fff;
            default -> {
                int e = v.exp() + 16383;
                yield e <= 0 ? sign : sign | e;
            }
        };
    }

    static long mantOf(Val v) {
        return switch (v.cls()) {
            case SoftFloat.ZERO -> 0;
            case SoftFloat.INF -> 1L << 63;
            case SoftFloat.QNAN, SoftFloat.SNAN -> v.sig();
            default -> {
                int e = v.exp() + 16383;
                yield e <= 0 ? v.sig() >>> (1 - e) : v.sig();
            }
        };
    }

    /** Writes a rounded result to st(i), ignoring nothing: the caller checked exceptions. */
    void setSt(int i, Rounded r) {
        setSt(i, SoftFloat.extSe(r), SoftFloat.extMant(r));
    }

    /** A quiet copy of a NaN operand, as an 80-bit {se, mant}. */
    static long[] quiet(Val v) {
        return new long[]{(v.neg() ? 0x8000 : 0) | 0x7fff, v.sig() | (1L << 62)};
    }

    /** The x87 choice between two NaN operands (at least one is a NaN). */
    static Val pickNan(Val a, Val b) {
        if (!a.isNan()) {
            return b;
        }
        if (!b.isNan()) {
            return a;
        }
        if (a.cls() != b.cls()) {
            return a.cls() == SoftFloat.QNAN ? a : b;
        }
        int cmp = Long.compareUnsigned(a.sig(), b.sig());
        if (cmp != 0) {
            return cmp > 0 ? a : b;
        }
        return a.neg() ? b : a;
    }
}
