package vmm.x86.emu.internal.jit;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;

/**
 * The translation state of one block: which guest registers live in JVM locals (and which of
 * those differ from {@code Cpu.r}), which lazy-flag producer is pending in locals, and the code
 * that moves them back to the {@code Cpu} at exits, before faults and before handler calls.
 */
abstract class EmitterBase {
    static final ClassDesc CD_CPU = ClassDesc.of("vmm.x86.emu.internal.cpu.Cpu");
    static final ClassDesc CD_MEM = ClassDesc.of("vmm.x86.emu.internal.cpu.Mem");
    static final ClassDesc CD_FLAGS = ClassDesc.of("vmm.x86.emu.internal.cpu.Flags");
    static final ClassDesc CD_INSN = ClassDesc.of("vmm.x86.emu.internal.decode.Insn");
    static final ClassDesc CD_FPU = ClassDesc.of("vmm.x86.emu.internal.exec.FpuBridge");
    static final ClassDesc CD_EXEC = ClassDesc.of("vmm.x86.emu.internal.exec.Exec");
    static final ClassDesc CD_COMPILED = ClassDesc.of(Compiled.class.getName());
    static final ClassDesc CD_RT = ClassDesc.of(Rt.class.getName());
    static final ClassDesc CD_LONGS = CD_long.arrayType();

    // Local slots.
    static final int THIS = 0, C = 1, BUDGET = 2, RIP0 = 3, LOOPS = 5, REG0 = 6, FDST = 38, FSRC = 40, FRES = 42,
            FAUX = 44, T0 = 46, T1 = 48, T2 = 50, T3 = 52, EA = 54, EXC = 56, DONE = 64;

    /** Pending-flag states besides a {@link Flags} kind: flags are in the Cpu, or overwritten before seen. */
    static final int IN_CPU = -1, DEAD = -2;

    final CodeBuilder cb;
    final Insn[] insns;
    final int n;
    final int[] off;
    final Region region;
    /** The first instruction of the region block being emitted: counts returned are relative to it. */
    int blockStart;
    final boolean[] loaded = new boolean[16];
    final boolean[] dirty = new boolean[16];
    int pend = IN_CPU;
    int pendSize;
    boolean pendFlushed;

    EmitterBase(CodeBuilder cb, Region region) {
        this.cb = cb;
        this.region = region;
        this.insns = region.insns();
        this.n = insns.length;
        this.off = region.off();
    }

    /** Whether instruction {@code k} ends its block (of the region's blocks). */
    boolean lastOfBlock(int k) {
        return region.last(k);
    }

    static int slot(int reg) {
        return REG0 + 2 * reg;
    }

    // ---- registers ----

    void ensure(int reg) {
        if (reg >= 16) {
            reg -= 16;
        }
        if (reg < 0 || loaded[reg]) {
            return;
        }
        cb.aload(C).getfield(CD_CPU, "r", CD_LONGS).loadConstant(reg).laload().lstore(slot(reg));
        loaded[reg] = true;
        dirty[reg] = false;
    }

    /** Pushes register {@code reg} read at {@code size} (for size 1, 16-19 are AH-BH), zero-extended. */
    void readReg(int reg, int size) {
        ensure(reg);
        if (size == 1 && reg >= 16) {
            cb.lload(slot(reg - 16)).loadConstant(8).lushr();
        } else {
            cb.lload(slot(reg));
        }
        mask(size);
    }

    /** Pops a value into register {@code reg} with the architecture's merge rules. */
    void writeReg(int reg, int size) {
        int base = reg >= 16 && size == 1 ? reg - 16 : reg;
        ensure(base);
        int s = slot(base);
        switch (size) {
            case 8 -> {
            }
            case 4 -> cb.loadConstant(0xffffffffL).land();
            case 2 -> cb.loadConstant(0xffffL).land().lload(s).loadConstant(~0xffffL).land().lor();
            default -> {
                if (reg >= 16) {
                    cb.loadConstant(0xffL).land().loadConstant(8).lshl().lload(s).loadConstant(~0xff00L).land().lor();
                } else {
                    cb.loadConstant(0xffL).land().lload(s).loadConstant(~0xffL).land().lor();
                }
            }
        }
        cb.lstore(s);
        dirty[base] = true;
    }

    void mask(int size) {
        if (size < 8) {
            cb.loadConstant(Flags.mask(size)).land();
        }
    }

    void signExtend(int size) {
        switch (size) {
            case 4 -> cb.l2i().i2l();
            case 2 -> cb.l2i().i2s().i2l();
            case 1 -> cb.l2i().i2b().i2l();
            default -> {
            }
        }
    }

    void flushRegs() {
        for (int r = 0; r < 16; r++) {
            flushReg(r);
        }
    }

    /** Stores register {@code r} into the Cpu when its local is newer. */
    void flushReg(int r) {
        if (loaded[r] && dirty[r]) {
            cb.aload(C).getfield(CD_CPU, "r", CD_LONGS).loadConstant(r).lload(slot(r)).lastore();
            dirty[r] = false;
        }
    }

    /** After a handler ran: the Cpu holds the truth, locals must be reloaded. */
    void forgetRegs() {
        for (int r = 0; r < 16; r++) {
            loaded[r] = false;
            dirty[r] = false;
        }
    }

    // ---- lazy flags ----

    /** Records that the instruction just emitted left flags of {@code kind} in the flag locals. */
    void produced(int kind, int size) {
        pend = kind;
        pendSize = size;
        pendFlushed = false;
    }

    void flushFlags() {
        if (pend == DEAD) {
            throw new IllegalStateException("flags read after a producer judged dead");
        }
        if (pend == IN_CPU || pendFlushed) {
            return;
        }
        cb.aload(C).loadConstant(pend).putfield(CD_CPU, "fOp", CD_int);
        if (pend == Flags.EXPLICIT) {
            cb.aload(C).lload(FAUX).putfield(CD_CPU, "fAux", CD_long);
        } else {
            cb.aload(C).loadConstant(pendSize).putfield(CD_CPU, "fSize", CD_int);
            cb.aload(C).lload(FDST).putfield(CD_CPU, "fDst", CD_long);
            cb.aload(C).lload(FSRC).putfield(CD_CPU, "fSrc", CD_long);
            cb.aload(C).lload(FRES).putfield(CD_CPU, "fRes", CD_long);
            if (pend == Flags.ADC || pend == Flags.SBB || pend == Flags.INC || pend == Flags.DEC) {
                cb.aload(C).lload(FAUX).putfield(CD_CPU, "fAux", CD_long);
            }
        }
        pendFlushed = true;
    }

    /** Pushes CF (0 or 1, as a long). */
    void carry() {
        switch (pend) {
            case Flags.LOGIC -> cb.lconst_0();
            case Flags.SUB -> {
                cb.lload(FDST);
                mask(pendSize);
                cb.lload(FSRC);
                mask(pendSize);
                ult();
            }
            case Flags.ADD -> {
                cb.lload(FRES);
                mask(pendSize);
                cb.lload(FDST);
                mask(pendSize);
                ult();
            }
            default -> {
                flushFlags();
                cb.aload(C).invokestatic(CD_FLAGS, "cf", MethodTypeDesc.of(CD_boolean, CD_CPU)).i2l();
            }
        }
    }

    /** Two longs on the stack -> 1L when the first is below the second (unsigned), else 0L. */
    private void ult() {
        cb.invokestatic(ClassDesc.of("java.lang.Long"), "compareUnsigned", MethodTypeDesc.of(CD_int, CD_long, CD_long));
        cb.loadConstant(31).iushr().i2l();
    }

    /** Pushes condition {@code cc} (Jcc's encoding) as an int 0 or 1. */
    void cond(int cc) {
        if (!inlineCond(cc)) {
            flushFlags();
            cb.aload(C).loadConstant(cc).invokestatic(CD_FLAGS, "cond", MethodTypeDesc.of(CD_boolean, CD_CPU, CD_int));
        }
    }

    private boolean inlineCond(int cc) {
        int b = cc >> 1;
        boolean neg = (cc & 1) != 0;
        int size = pendSize;
        Opcode op;
        switch (pend) {
            case Flags.SUB -> {
                switch (b) {
                    case 1, 2, 3 -> {
                        cb.lload(FDST);
                        mask(size);
                        cb.lload(FSRC);
                        mask(size);
                        if (b == 2) {
                            cb.lcmp();
                            op = Opcode.IFEQ;
                        } else {
                            cb.invokestatic(ClassDesc.of("java.lang.Long"), "compareUnsigned",
                                    MethodTypeDesc.of(CD_int, CD_long, CD_long));
                            op = b == 1 ? Opcode.IFLT : Opcode.IFLE;
                        }
                    }
                    case 6, 7 -> {
                        cb.lload(FDST);
                        signExtend(size);
                        cb.lload(FSRC);
                        signExtend(size);
                        cb.lcmp();
                        op = b == 6 ? Opcode.IFLT : Opcode.IFLE;
                    }
                    case 4 -> {
                        resultSign(size);
                        op = Opcode.IFLT;
                    }
                    default -> {
                        return false;
                    }
                }
            }
            case Flags.LOGIC -> {
                switch (b) {
                    case 0, 1 -> {
                        cb.loadConstant(neg ? 1 : 0);
                        return true;
                    }
                    case 2, 3 -> {
                        resultSign(size);
                        op = Opcode.IFEQ;
                    }
                    case 4, 6 -> {
                        resultSign(size);
                        op = Opcode.IFLT;
                    }
                    case 7 -> {
                        resultSign(size);
                        op = Opcode.IFLE;
                    }
                    default -> {
                        return false;
                    }
                }
            }
            case Flags.ADD, Flags.ADC, Flags.SBB, Flags.INC, Flags.DEC, Flags.SHL, Flags.SHR, Flags.SAR -> {
                if (b == 2) {
                    resultSign(size);
                    op = Opcode.IFEQ;
                } else if (b == 4) {
                    resultSign(size);
                    op = Opcode.IFLT;
                } else {
                    return false;
                }
            }
            case Flags.EXPLICIT -> {
                long bits = switch (b) {
                    case 0 -> Flags.OF;
                    case 1 -> Flags.CF;
                    case 2 -> Flags.ZF;
                    case 3 -> Flags.CF | Flags.ZF;
                    case 4 -> Flags.SF;
                    case 5 -> Flags.PF;
                    default -> 0;
                };
                if (bits == 0) {
                    return false;
                }
                cb.lload(FAUX).loadConstant(bits).land().lconst_0().lcmp();
                op = Opcode.IFNE;
            }
            default -> {
                return false;
            }
        }
        if (neg) {
            op = switch (op) {
                case IFEQ -> Opcode.IFNE;
                case IFNE -> Opcode.IFEQ;
                case IFLT -> Opcode.IFGE;
                case IFLE -> Opcode.IFGT;
                default -> throw new IllegalStateException(op.toString());
            };
        }
        Label yes = cb.newLabel();
        Label done = cb.newLabel();
        cb.branch(op, yes).iconst_0().goto_(done).labelBinding(yes).iconst_1().labelBinding(done);
        return true;
    }

    /** Compares the sign-extended result with zero (an int for a following IFxx). */
    private void resultSign(int size) {
        cb.lload(FRES);
        signExtend(size);
        cb.lconst_0().lcmp();
    }

    // ---- exits ----

    /** Sets {@code c.rip} to the block start plus {@code offset}. */
    void setRip(int offset) {
        cb.aload(C).lload(RIP0);
        if (offset != 0) {
            cb.loadConstant((long) offset).ladd();
        }
        cb.putfield(CD_CPU, "rip", CD_long);
    }

    /**
     * A memory access of instruction {@code k} that may fault: its exception handler (emitted after
     * the method's code, by {@link #emitHandlers}) stores the registers and flags as they are here
     * and sets RIP to the instruction before rethrowing, so the fast path stores nothing.
     */
    private record Guard(Label start, Label end, int k, boolean[] loaded, boolean[] dirty, int pend, int pendSize,
            boolean flushed) {
    }

    private final java.util.List<Guard> guards = new java.util.ArrayList<>();
    private Label guardStart;

    void guard() {
        guardStart = cb.newBoundLabel();
    }

    void endGuard(int k) {
        Label end = cb.newBoundLabel();
        guards.add(new Guard(guardStart, end, k, loaded.clone(), dirty.clone(), pend, pendSize, pendFlushed));
    }

    /** The guards' handlers; called once the method's main code is complete. */
    void emitHandlers() {
        for (Guard g : guards) {
            Label h = cb.newBoundLabel();
            cb.astore(EXC);
            System.arraycopy(g.loaded, 0, loaded, 0, 16);
            System.arraycopy(g.dirty, 0, dirty, 0, 16);
            pend = g.pend;
            pendSize = g.pendSize;
            pendFlushed = g.flushed;
            flushRegs();
            flushFlags();
            setRip(off[g.k]);
            cb.aload(EXC).athrow();
            cb.exceptionCatch(g.start, g.end, h, java.util.Optional.empty());
        }
    }

    /**
     * Returns the instruction count: those of the blocks completed before the current one ({@code
     * DONE}, counted at each jump between blocks) plus the current block's up to index {@code done}.
     */
    void returnCount(int done) {
        cb.lload(DONE);
        if (done != blockStart) {
            cb.loadConstant((long) (done - blockStart)).ladd();
        }
        cb.lreturn();
    }

    /** Leaves the block with RIP at {@code offset} after {@code done} instructions. */
    void exit(int done, int offset) {
        flushRegs();
        flushFlags();
        setRip(offset);
        returnCount(done);
    }

    /** An exit on a side path: the main path's state is kept as it was. */
    void sideExit(int done, int offset) {
        boolean[] d = dirty.clone();
        boolean flushed = pendFlushed;
        exit(done, offset);
        System.arraycopy(d, 0, dirty, 0, 16);
        pendFlushed = flushed;
    }

    /** After an instruction that wrote memory: a write to code (or anything else that asked) ends the block. */
    void stopCheck(int k) {
        Label go = cb.newLabel();
        cb.aload(C).getfield(CD_CPU, "stop", CD_boolean).ifeq(go);
        sideExit(k + 1, off[k] + insns[k].len);
        cb.labelBinding(go);
    }

    // ---- memory ----

    /** Pushes the effective address of instruction {@code k}'s memory operand. */
    void ea(int k) {
        Insn i = insns[k];
        cb.loadConstant(i.disp);
        if (i.base >= 0) {
            ensure(i.base);
            cb.lload(slot(i.base)).ladd();
        }
        if (i.index >= 0) {
            ensure(i.index);
            cb.lload(slot(i.index));
            if (i.scale != 0) {
                cb.loadConstant(i.scale).lshl();
            }
            cb.ladd();
        }
        if (i.ripRel) {
            cb.lload(RIP0).loadConstant((long) (off[k] + i.len)).ladd().ladd();
        }
        mask(i.asz);
    }

    /** Pushes {@code size} bytes read at the address in local {@code addr} through segment {@code seg}. */
    void load(int k, int seg, int addr, int size) {
        guard();
        cb.aload(C).getfield(CD_CPU, "mem", CD_MEM).loadConstant(seg).lload(addr).loadConstant(size)
                .invokevirtual(CD_MEM, "read", MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_int));
        endGuard(k);
    }

    /** Writes local {@code value} at the address in local {@code addr}. */
    void store(int k, int seg, int addr, int size, int value) {
        guard();
        cb.aload(C).getfield(CD_CPU, "mem", CD_MEM).loadConstant(seg).lload(addr).loadConstant(size).lload(value)
                .invokevirtual(CD_MEM, "write", MethodTypeDesc.of(CD_void, CD_int, CD_long, CD_int, CD_long));
        endGuard(k);
    }
}
