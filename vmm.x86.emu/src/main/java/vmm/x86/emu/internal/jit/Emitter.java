package vmm.x86.emu.internal.jit;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.MethodTypeDesc;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.decode.Op;

/**
 * Emits one block's {@code run} method: the integer instructions inline over registers held in
 * locals and lazy flags held in locals (flags no later instruction can see are not computed at
 * all), everything else as a call to the interpreter's handler with the state stored first (only
 * the registers and flags it touches, for the instructions {@link Touch} classifies). A block that
 * branches back to its own start loops inside the method.
 */
final class Emitter extends EmitterArith {
    private static final int RSP = Plan.RSP;

    private final int mode;
    private final boolean[] inline;
    private final boolean[] flagsDead;
    private final boolean[] written;
    private final boolean[] used;
    private final EmitterSse sse;
    /** Where each block of the region begins. */
    private Label[] starts;
    private int blockEnd;

    Emitter(CodeBuilder cb, Region region, int mode) {
        this(cb, region, mode, new Plan(region, mode));
    }

    private Emitter(CodeBuilder cb, Region region, int mode, Plan p) {
        super(cb, region, p.flagsDead);
        this.mode = mode;
        inline = p.inline;
        flagsDead = p.flagsDead;
        written = p.written;
        used = p.used;
        sse = new EmitterSse(this);
    }

    /** Emits the whole method body. */
    void emit() {
        cb.aload(C).getfield(CD_CPU, "rip", CD_long).lstore(RIP0);
        cb.iconst_0().istore(LOOPS);
        cb.lconst_0().lstore(DONE);
        for (int s : new int[] {FDST, FSRC, FRES, FAUX}) {
            cb.lconst_0().lstore(s);
        }
        for (int r = 0; r < 16; r++) {
            if (used[r]) {
                ensure(r);
            }
        }
        sse.enter();
        starts = new Label[region.blocks()];
        for (int j = 0; j < starts.length; j++) {
            starts[j] = cb.newLabel();
        }
        for (int j = 0; j < starts.length; j++) {
            // Every way into a block (the method's entry, a loop back, a jump from another block of the
            // region) has the used registers in locals and the flags in the Cpu.
            cb.labelBinding(starts[j]);
            for (int r = 0; r < 16; r++) {
                loaded[r] = used[r];
                dirty[r] = used[r] && written[r];
            }
            pend = IN_CPU;
            pendFlushed = false;
            blockStart = region.starts()[j];
            blockEnd = region.end(j);
            for (int k = blockStart; k < blockEnd; k++) {
                if (!inline[k]) {
                    fallback(k);
                    continue;
                }
                instruction(k);
                if (flagsDead[k] && Plan.producesFlags(insns[k])) {
                    // Its flags are overwritten before anything can see them: none were computed.
                    pend = DEAD;
                }
            }
            Insn last = insns[blockEnd - 1];
            if (!inline[blockEnd - 1] || last.op != Op.JCC && last.op != Op.JMP_REL) {
                leave(blockEnd, region.endOff(j));
            }
        }
        emitHandlers();
    }

    /** After instruction {@code done - 1}, the last of its block: on at the block at {@code offset}, else out. */
    private void leave(int done, int offset) {
        int t = region.blockAt(offset);
        if (t >= 0) {
            jump(t);
        } else {
            exit(done, offset);
        }
    }

    /**
     * Goes on at block {@code t} of the region, the current block complete: counts its instructions,
     * brings the state to a block's way in, and leaves instead (RIP at the block) once the batch's
     * budget is spent. The tracked state is kept for the code that follows on the other path.
     */
    private void jump(int t) {
        boolean[] d = dirty.clone();
        boolean[] l = loaded.clone();
        int p = pend;
        boolean f = pendFlushed;
        countBlock();
        reloadUsed();
        flushFlags();
        cb.iinc(LOOPS, 1).iload(LOOPS).iload(BUDGET).if_icmplt(starts[t]);
        flushRegs();
        setRip(off[region.starts()[t]]);
        cb.lload(DONE).lreturn();
        System.arraycopy(d, 0, dirty, 0, 16);
        System.arraycopy(l, 0, loaded, 0, 16);
        pend = p;
        pendFlushed = f;
    }

    /** Adds the current block's instructions, all run, to the count returned ({@code DONE}). */
    private void countBlock() {
        cb.lload(DONE).loadConstant((long) (blockEnd - blockStart)).ladd().lstore(DONE);
    }

    /** A handler call with the state stored first and reloaded lazily after. */
    private void fallback(int k) {
        Insn i = insns[k];
        Touch t = Touch.of(i);
        if (t != null && !lastOfBlock(k)) {
            if (!sse.inline(k, () -> partialFallback(k, t))) {
                partialFallback(k, t);
            }
            return;
        }
        flushRegs();
        flushFlags();
        forgetRegs();
        pend = IN_CPU;
        setRip(off[k]);
        callHandler(k);
        Label go = cb.newLabel();
        if (lastOfBlock(k)) {
            cb.aload(C).dup().getfield(CD_CPU, "nextRip", CD_long).putfield(CD_CPU, "rip", CD_long);
            if (nearBranch(i.op)) {
                // A branch the handler ran that lands at a block of the region (a loop closed by a
                // RET, say): go on there while the budget lasts. The state is in the Cpu.
                Label out = cb.newLabel();
                cb.aload(C).getfield(CD_CPU, "stop", CD_boolean).ifne(out);
                cb.iload(LOOPS).iconst_1().iadd().iload(BUDGET).if_icmpge(out);
                for (int b = 0; b < starts.length; b++) {
                    Label other = cb.newLabel();
                    cb.aload(C).getfield(CD_CPU, "rip", CD_long).lload(RIP0);
                    if (off[region.starts()[b]] != 0) {
                        cb.loadConstant((long) off[region.starts()[b]]).ladd();
                    }
                    cb.lcmp().ifne(other);
                    countBlock();
                    cb.iinc(LOOPS, 1);
                    boolean[] l = loaded.clone();
                    reloadUsed();
                    cb.goto_(starts[b]);
                    System.arraycopy(l, 0, loaded, 0, 16);
                    cb.labelBinding(other);
                }
                cb.labelBinding(out);
            }
            returnCount(k + 1);
            return;
        }
        cb.aload(C).getfield(CD_CPU, "stop", CD_boolean).ifeq(go);
        cb.aload(C).dup().getfield(CD_CPU, "nextRip", CD_long).putfield(CD_CPU, "rip", CD_long);
        returnCount(k + 1);
        cb.labelBinding(go);
    }

    /**
     * A handler call for an instruction that touches only the registers and flags {@code t} names:
     * only those are stored before (and the written ones reloaded after); the rest stay in locals,
     * and a fault in the handler stores them through a guard like an inline memory access's.
     */
    private void partialFallback(int k, Touch t) {
        for (int r = 0; r < 16; r++) {
            if (((t.reads() | t.writes()) & (1 << r)) != 0) {
                flushReg(r);
            }
        }
        if (t.flags()) {
            flushFlags();
        }
        setRip(off[k]);
        guard();
        callHandler(k);
        endGuard(k);
        for (int r = 0; r < 16; r++) {
            if ((t.writes() & (1 << r)) != 0) {
                loaded[r] = false;
                dirty[r] = false;
            }
        }
        if (t.flags()) {
            pend = IN_CPU;
        }
        // A store into code (or anything else that asked) ends the block at the handler's next RIP,
        // as after a full handler call.
        Label go = cb.newLabel();
        cb.aload(C).getfield(CD_CPU, "stop", CD_boolean).ifeq(go);
        boolean[] d = dirty.clone();
        boolean flushed = pendFlushed;
        flushRegs();
        flushFlags();
        cb.aload(C).dup().getfield(CD_CPU, "nextRip", CD_long).putfield(CD_CPU, "rip", CD_long);
        returnCount(k + 1);
        System.arraycopy(d, 0, dirty, 0, 16);
        pendFlushed = flushed;
        cb.labelBinding(go);
    }

    /** Calls instruction {@code k}'s handler, with {@code c.rip} already at it. */
    private void callHandler(int k) {
        Insn i = insns[k];
        cb.aload(C).lload(RIP0).loadConstant((long) (off[k] + i.len)).ladd().putfield(CD_CPU, "nextRip", CD_long);
        cb.aload(C).aload(THIS).getfield(CD_COMPILED, "insns", CD_INSN.arrayType()).loadConstant(k).aaload()
                .aload(THIS).getfield(CD_COMPILED, "fpu", CD_FPU)
                .invokestatic(CD_EXEC, entry(i.op), MethodTypeDesc.of(CD_void, CD_CPU, CD_INSN, CD_FPU));
        sse.afterCall();
    }

    /** The handler's own entry point in {@code Exec} where it has one, else the generic dispatch. */
    private static String entry(int op) {
        return switch (op) {
            case Op.FPU -> "fpu";
            case Op.SHIFT -> "shift";
            case Op.SHLD -> "shld";
            case Op.SHRD -> "shrd";
            case Op.BT_R -> "btReg";
            case Op.BT_I -> "btImm";
            case Op.BSF -> "bsf";
            case Op.BSR -> "bsr";
            case Op.XADD -> "xadd";
            case Op.CMPXCHG -> "cmpxchg";
            case Op.STRING -> "string";
            case Op.CALL_REL -> "callRel";
            case Op.RET -> "ret";
            case Op.CALL_RM -> "callRm";
            case Op.JMP_RM -> "jumpRm";
            case Op.LEAVE -> "leave";
            default -> "execute";
        };
    }

    private static boolean nearBranch(int op) {
        return switch (op) {
            case Op.JCC, Op.JMP_REL, Op.LOOP, Op.JCXZ, Op.JMP_RM, Op.RET, Op.CALL_REL, Op.CALL_RM -> true;
            default -> false;
        };
    }

    private void reloadUsed() {
        for (int r = 0; r < 16; r++) {
            if (used[r]) {
                ensure(r);
            }
        }
    }

    private void instruction(int k) {
        Insn i = insns[k];
        prepared = false;
        switch (i.op) {
            case Op.MOV_RM_R -> {
                readReg(i.reg, i.osz);
                writeRm(k, i.osz);
            }
            case Op.MOV_R_RM -> {
                readRm(k, i.osz);
                writeReg(i.reg, i.osz);
            }
            case Op.MOV_RM_I -> {
                cb.loadConstant(i.imm);
                writeRm(k, i.osz);
            }
            case Op.LEA -> {
                ea(k);
                writeReg(i.reg, i.osz);
            }
            case Op.MOVZX, Op.MOVSX -> {
                readRm(k, i.cc);
                if (i.op == Op.MOVSX) {
                    signExtend(i.cc);
                }
                writeReg(i.reg, i.osz);
            }
            case Op.MOVSXD -> {
                readRm(k, i.osz == 2 ? 2 : 4);
                if (i.osz == 8) {
                    signExtend(4);
                }
                writeReg(i.reg, i.osz);
            }
            case Op.ALU_RM_R, Op.ALU_R_RM, Op.ALU_RM_I -> alu(k);
            case Op.TEST_RM_R, Op.TEST_RM_I -> {
                readRm(k, i.osz);
                cb.lstore(T0);
                if (i.op == Op.TEST_RM_R) {
                    readReg(i.reg, i.osz);
                } else {
                    cb.loadConstant(i.imm);
                }
                cb.lstore(T1);
                if (!flagsDead[k]) {
                    cb.lload(T0).lstore(FDST).lload(T1).lstore(FSRC).lload(T0).lload(T1).land().lstore(FRES);
                    produced(Flags.LOGIC, i.osz);
                }
            }
            case Op.INC, Op.DEC -> incDec(k);
            case Op.NOT -> {
                readReg(i.rm, i.osz);
                cb.loadConstant(-1L).lxor();
                writeReg(i.rm, i.osz);
            }
            case Op.NEG -> {
                readReg(i.rm, i.osz);
                cb.lstore(T0);
                cb.lload(T0).lneg().lstore(T3);
                cb.lload(T3);
                writeReg(i.rm, i.osz);
                if (!flagsDead[k]) {
                    cb.lconst_0().lstore(FDST).lload(T0).lstore(FSRC).lload(T3).lstore(FRES);
                    produced(Flags.SUB, i.osz);
                }
            }
            case Op.IMUL_R_RM, Op.IMUL_R_RM_I -> imul(k);
            case Op.MUL, Op.IMUL1 -> mulWide(k);
            case Op.DIV, Op.IDIV -> divide(k);
            case Op.CBW, Op.CWD, Op.XCHG, Op.BSWAP -> move(k);
            case Op.SHIFT -> shift(k);
            case Op.CMOV -> {
                readRm(k, i.osz);
                cb.lstore(T1);
                Label skip = cb.newLabel();
                Label done = cb.newLabel();
                ensure(i.reg);
                cond(i.cc);
                cb.ifeq(skip);
                cb.lload(T1);
                writeReg(i.reg, i.osz);
                cb.goto_(done).labelBinding(skip);
                if (i.osz == 4) {
                    cb.lload(slot(i.reg)).loadConstant(0xffffffffL).land().lstore(slot(i.reg));
                }
                cb.labelBinding(done);
            }
            case Op.SETCC -> {
                if (i.mem) {
                    // The flags are read before the store's fault check.
                    cond(i.cc);
                    cb.i2l().lstore(T1);
                    cb.lload(T1);
                } else {
                    ensure(i.rm);
                    cond(i.cc);
                    cb.i2l();
                }
                writeRm(k, 1);
            }
            case Op.NOP, Op.FENCE -> {
            }
            case Op.PUSH_R -> {
                readReg(i.rm, 8);
                cb.lstore(T1);
                ensure(RSP);
                cb.lload(slot(RSP)).loadConstant(8L).lsub().lstore(EA);
                store(k, Cpu.SS, EA, 8, T1);
                cb.lload(EA);
                writeReg(RSP, 8);
                stopCheck(k);
            }
            case Op.POP_R -> {
                ensure(RSP);
                cb.lload(slot(RSP)).lstore(EA);
                load(k, Cpu.SS, EA, 8);
                cb.lstore(T1);
                cb.lload(EA).loadConstant(8L).ladd();
                writeReg(RSP, 8);
                cb.lload(T1);
                writeReg(i.rm, 8);
            }
            case Op.JCC, Op.JMP_REL -> branch(k);
            default -> throw new IllegalStateException("not inlinable: " + i);
        }
    }

    private void alu(int k) {
        Insn i = insns[k];
        int size = i.osz;
        int op = i.sub;
        boolean dead = flagsDead[k];
        if (op == 2 || op == 3) {
            carry();
            cb.lstore(T2);
        }
        boolean memDst = i.op != Op.ALU_R_RM && i.mem;
        int dst = i.op == Op.ALU_R_RM ? i.reg : i.rm;
        if (memDst) {
            address(k);
            load(k, i.seg, EA, size);
        } else {
            readReg(dst, size);
        }
        cb.lstore(T0);
        switch (i.op) {
            case Op.ALU_RM_R -> readReg(i.reg, size);
            case Op.ALU_R_RM -> readRm(k, size);
            default -> cb.loadConstant(i.imm);
        }
        cb.lstore(T1);
        if (op == 7 && dead) {
            return;
        }
        cb.lload(T0).lload(T1);
        switch (op) {
            case 0 -> cb.ladd();
            case 1 -> cb.lor();
            case 2 -> cb.ladd().lload(T2).ladd();
            case 3 -> cb.lsub().lload(T2).lsub();
            case 4 -> cb.land();
            case 5, 7 -> cb.lsub();
            default -> cb.lxor();
        }
        cb.lstore(T3);
        if (op != 7) {
            if (memDst) {
                store(k, i.seg, EA, size, T3);
            } else {
                cb.lload(T3);
                writeReg(dst, size);
            }
        }
        if (!dead) {
            cb.lload(T0).lstore(FDST).lload(T1).lstore(FSRC).lload(T3).lstore(FRES);
            int kind = switch (op) {
                case 0 -> Flags.ADD;
                case 2 -> Flags.ADC;
                case 3 -> Flags.SBB;
                case 5, 7 -> Flags.SUB;
                default -> Flags.LOGIC;
            };
            if (op == 2 || op == 3) {
                cb.lload(T2).lstore(FAUX);
            }
            produced(kind, size);
        }
        if (memDst && op != 7) {
            stopCheck(k);
        }
    }

    private void incDec(int k) {
        Insn i = insns[k];
        int size = i.osz;
        boolean dead = flagsDead[k];
        if (!dead) {
            carry();
            cb.lstore(T2);
        }
        if (i.mem) {
            address(k);
            load(k, i.seg, EA, size);
        } else {
            readReg(i.rm, size);
        }
        cb.lstore(T0);
        cb.lload(T0).lconst_1();
        if (i.op == Op.INC) {
            cb.ladd();
        } else {
            cb.lsub();
        }
        cb.lstore(T3);
        if (i.mem) {
            store(k, i.seg, EA, size, T3);
        } else {
            cb.lload(T3);
            writeReg(i.rm, size);
        }
        if (!dead) {
            cb.lload(T0).lstore(FDST).lconst_1().lstore(FSRC).lload(T3).lstore(FRES).lload(T2).lstore(FAUX);
            produced(i.op == Op.INC ? Flags.INC : Flags.DEC, size);
        }
        if (i.mem) {
            stopCheck(k);
        }
    }

    private void imul(int k) {
        Insn i = insns[k];
        int size = i.osz;
        readRm(k, size);
        cb.lstore(T1);
        if (i.op == Op.IMUL_R_RM_I) {
            cb.loadConstant(i.imm);
        } else {
            readReg(i.reg, size);
        }
        cb.lstore(T0);
        cb.lload(T0);
        signExtend(size);
        cb.lload(T1);
        signExtend(size);
        cb.lmul().lstore(T3);
        cb.lload(T3);
        writeReg(i.reg, size);
        if (!flagsDead[k]) {
            cb.lload(T0).lload(T1).loadConstant(size)
                    .invokestatic(CD_RT, "imulOverflow", MethodTypeDesc.of(CD_boolean, CD_long, CD_long, CD_int));
            cb.lload(T3).loadConstant(size)
                    .invokestatic(CD_RT, "mulFlags", MethodTypeDesc.of(CD_long, CD_boolean, CD_long, CD_int));
            cb.lstore(FAUX);
            produced(Flags.EXPLICIT, size);
        }
    }

    private void shift(int k) {
        Insn i = insns[k];
        int size = i.osz;
        int count = Plan.shiftCount(i);
        if (count == 0) {
            if (size == 4) {
                readReg(i.rm, 4);
                writeReg(i.rm, 4);
            }
            return;
        }
        int bits = size * 8;
        readReg(i.rm, size);
        cb.lstore(T0);
        if (i.sub == 0 || i.sub == 1) {
            int left = count % bits;
            if (i.sub == 1) {
                left = (bits - left) % bits;
            }
            cb.lload(T0);
            if (left != 0) {
                cb.loadConstant(left).lshl().lload(T0).loadConstant(bits - left).lushr().lor();
                mask(size);
            }
            cb.lstore(T3);
            cb.lload(T3);
            writeReg(i.rm, size);
            if (!flagsDead[k]) {
                flushFlags();
                cb.aload(C).lload(T3).loadConstant(size).loadConstant(i.sub == 0 ? 1 : 0)
                        .invokestatic(CD_RT, "rotateFlags", MethodTypeDesc.of(CD_void, CD_CPU, CD_long, CD_int, CD_boolean));
                pend = IN_CPU;
            }
            return;
        }
        cb.lload(T0);
        switch (i.sub) {
            case 5 -> cb.loadConstant(count).lushr();
            case 7 -> {
                signExtend(size);
                cb.loadConstant(count).lshr();
            }
            default -> cb.loadConstant(count).lshl();
        }
        cb.lstore(T3);
        cb.lload(T3);
        writeReg(i.rm, size);
        if (!flagsDead[k]) {
            cb.lload(T0).lstore(FDST).loadConstant((long) count).lstore(FSRC).lload(T3).lstore(FRES);
            produced(i.sub == 5 ? Flags.SHR : i.sub == 7 ? Flags.SAR : Flags.SHL, size);
        }
    }

    /** A block's closing Jcc or JMP rel: a branch to the start of a block of the region goes on there in the method. */
    private void branch(int k) {
        Insn i = insns[k];
        long rel = off[k] + i.len + i.imm;
        int target = i.osz == mode && mode >= 4 ? region.blockAt(rel) : -1;
        Label notTaken = cb.newLabel();
        if (i.op == Op.JCC) {
            cond(i.cc);
            cb.ifeq(notTaken);
        }
        boolean[] d = dirty.clone();
        boolean[] l = loaded.clone();
        int p = pend;
        boolean f = pendFlushed;
        if (target >= 0) {
            jump(target);
        } else {
            flushRegs();
            flushFlags();
            setRip(off[k]);
            cb.aload(C).lload(RIP0).loadConstant(rel).ladd().loadConstant(i.osz)
                    .invokestatic(CD_RT, "branch", MethodTypeDesc.of(CD_void, CD_CPU, CD_long, CD_int));
            returnCount(k + 1);
        }
        System.arraycopy(d, 0, dirty, 0, 16);
        System.arraycopy(l, 0, loaded, 0, 16);
        pend = p;
        pendFlushed = f;
        if (i.op == Op.JCC) {
            cb.labelBinding(notTaken);
            leave(k + 1, off[k] + i.len);
        }
    }
}
