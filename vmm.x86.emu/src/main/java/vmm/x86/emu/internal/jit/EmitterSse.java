package vmm.x86.emu.internal.jit;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;

/**
 * The inline fast paths of the common SSE instructions ({@link SseForm}, {@link SseFast}): each runs
 * when the gate (a local, computed on entry and after every handler call: nothing inline changes
 * CR0, CR4 or MXCSR) and its own
 * operand checks allow, and branches to the instruction's handler call otherwise, which is exact and
 * raises whatever the instruction raises. Both paths leave the translation state (registers in
 * locals, pending flags) alike, so that the code after them does not care which one ran.
 *
 * <p>A memory operand is accessed inline like an integer instruction's (guarded, so that a fault
 * is precise), after the gate and the alignment check, in the handler's order. When the operand's
 * value then sends the instruction to its handler (a NaN, a denormal...), the handler reads it
 * again: invisible for RAM, a second read for a device register (SSE arithmetic on MMIO).
 */
final class EmitterSse {
    /** Local slots, above {@link EmitterBase}'s: the XMM register file and the gate. */
    static final int XMM = 62, GATE = 63;
    /** {@code vmm.emu.jit.sse=false} leaves every SSE instruction to its handler (to measure what this saves). */
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("vmm.emu.jit.sse", "true"));
    private static final ClassDesc CD_SSE = ClassDesc.of(SseFast.class.getName());
    private static final ClassDesc CD_LONGS = CD_long.arrayType();

    private final EmitterBase e;
    private final CodeBuilder cb;
    private final SseForm[] forms;
    private final boolean any;

    /** The translation state the two paths must agree on. */
    private record State(boolean[] loaded, boolean[] dirty, int pend, int pendSize, boolean flushed) {
    }

    EmitterSse(EmitterBase e) {
        this.e = e;
        this.cb = e.cb;
        forms = new SseForm[e.n];
        boolean found = false;
        // A block's last instruction's handler call is a full one (it ends the block): no fast path there.
        for (int k = 0; k < e.n && ENABLED; k++) {
            if (!e.lastOfBlock(k) && Touch.of(e.insns[k]) != null) {
                forms[k] = SseForm.of(e.insns[k]);
                found |= forms[k] != null;
            }
        }
        any = found;
    }

    /** On entry to the method: the register file and the gate, when the block has a fast path. */
    void enter() {
        if (any) {
            cb.aload(EmitterBase.C)
                    .invokestatic(CD_SSE, "xmm", MethodTypeDesc.of(CD_LONGS, EmitterBase.CD_CPU))
                    .astore(XMM);
            gate();
        }
    }

    /** After a handler call, which may have changed CR0, CR4 or MXCSR. */
    void afterCall() {
        if (any) {
            gate();
        }
    }

    private void gate() {
        cb.aload(EmitterBase.C)
                .invokestatic(CD_SSE, "gate", MethodTypeDesc.of(CD_int, EmitterBase.CD_CPU))
                .istore(GATE);
    }

    /**
     * Emits instruction {@code k}'s fast path with {@code slow} (its handler call) as the fallback;
     * false, emitting nothing, when it has none.
     */
    boolean inline(int k, Runnable slow) {
        SseForm f = forms[k];
        if (f == null) {
            return false;
        }
        Insn i = e.insns[k];
        Label slowPath = cb.newLabel();
        Label done = cb.newLabel();
        // Loaded on both paths: the fast one reads the locals, the handler's call stores them if newer.
        if (f.gprRead() >= 0) {
            e.ensure(f.gprRead());
        }
        if (f.memory()) {
            if (i.base >= 0) {
                e.ensure(i.base);
            }
            if (i.index >= 0) {
                e.ensure(i.index);
            }
        }
        State before = save();
        cb.iload(GATE);
        if (f.gate() == SseForm.Gate.MXCSR) {
            cb.iconst_3().if_icmpne(slowPath);
        } else {
            cb.ifeq(slowPath);
        }
        if (f.memory()) {
            e.ea(k);
            cb.lstore(EmitterBase.EA);
            if (f.aligned()) {
                cb.aload(EmitterBase.C).loadConstant(i.seg).lload(EmitterBase.EA)
                        .invokestatic(CD_SSE, "aligned", MethodTypeDesc.of(CD_boolean, EmitterBase.CD_CPU, CD_int, CD_long))
                        .ifeq(slowPath);
            }
            if (f.from() == SseForm.From.MEM && mayGiveUp(f.kind().shape)) {
                // This form may give up after its read and run the handler, which reads again: only
                // from RAM the TLB maps now (a device register is read once, by the handler).
                cb.aload(EmitterBase.C).getfield(EmitterBase.CD_CPU, "mem", EmitterBase.CD_MEM).loadConstant(i.seg)
                        .lload(EmitterBase.EA).loadConstant(f.width())
                        .invokevirtual(EmitterBase.CD_MEM, "readsRam", MethodTypeDesc.of(CD_boolean, CD_int, CD_long, CD_int))
                        .ifeq(slowPath);
            }
        }
        fast(k, f, slowPath);
        State fast = save();
        cb.goto_(done);

        restore(before);
        cb.labelBinding(slowPath);
        cb.invokestatic(CD_SSE, "fallback", MethodTypeDesc.of(CD_void));
        slow.run();
        if (f.gprWritten() >= 0) {
            e.ensure(f.gprWritten());
        }
        if (f.kind().shape == SseForm.Shape.FLAGS) {
            cb.aload(EmitterBase.C)
                    .invokestatic(EmitterBase.CD_FLAGS, "arith", MethodTypeDesc.of(CD_long, EmitterBase.CD_CPU))
                    .lstore(EmitterBase.FAUX);
            e.produced(Flags.EXPLICIT, 8);
        }
        merge(fast);
        cb.labelBinding(done);
        return true;
    }

    private static boolean mayGiveUp(SseForm.Shape shape) {
        return shape == SseForm.Shape.TO_XMM_CHECKED || shape == SseForm.Shape.FLAGS
                || shape == SseForm.Shape.TO_GPR_CHECKED;
    }

    private void fast(int k, SseForm f, Label slowPath) {
        SseForm.Kind kind = f.kind();
        // Memory first, into locals: a fault leaves nothing on the operand stack, and the handler's
        // order (gate, alignment, the access, then the operation's own checks) is kept.
        if (f.from() == SseForm.From.MEM) {
            Insn i = e.insns[k];
            e.load(k, i.seg, EmitterBase.EA, f.width() == 16 ? 8 : f.width());
            cb.lstore(EmitterBase.T1);
            if (f.width() == 16) {
                cb.lload(EmitterBase.EA).loadConstant(8L).ladd();
                e.mask(i.asz);
                cb.lstore(EmitterBase.T2);
                e.load(k, i.seg, EmitterBase.T2, 8);
                cb.lstore(EmitterBase.T2);
            }
        }
        boolean wide = f.width() == 16;
        MethodTypeDesc toXmm = wide ? MethodTypeDesc.of(CD_void, CD_LONGS, CD_int, CD_long, CD_long)
                : MethodTypeDesc.of(CD_void, CD_LONGS, CD_int, CD_long);
        switch (kind.shape) {
            case TO_XMM -> {
                cb.aload(XMM).loadConstant(f.dst());
                source(f);
                if (kind.imm) {
                    cb.loadConstant(f.imm()).invokestatic(owner(kind), kind.helper,
                            MethodTypeDesc.of(CD_void, CD_LONGS, CD_int, CD_long, CD_long, CD_int));
                } else {
                    cb.invokestatic(owner(kind), kind.helper, toXmm);
                }
            }
            case TO_XMM_CHECKED -> {
                cb.aload(XMM).loadConstant(f.dst());
                source(f);
                cb.invokestatic(owner(kind), kind.helper, wide
                        ? MethodTypeDesc.of(CD_boolean, CD_LONGS, CD_int, CD_long, CD_long)
                        : MethodTypeDesc.of(CD_boolean, CD_LONGS, CD_int, CD_long)).ifeq(slowPath);
            }
            case FLAGS -> {
                cb.aload(XMM).loadConstant(f.dst());
                source(f);
                cb.invokestatic(owner(kind), kind.helper, MethodTypeDesc.of(CD_long, CD_LONGS, CD_int, CD_long))
                        .lstore(EmitterBase.T0);
                cb.lload(EmitterBase.T0).lconst_0().lcmp().iflt(slowPath);
                cb.lload(EmitterBase.T0).lstore(EmitterBase.FAUX);
                e.produced(Flags.EXPLICIT, 8);
            }
            case TO_GPR_CHECKED -> {
                source(f);
                cb.invokestatic(owner(kind), kind.helper + (f.gprSize() * 8), MethodTypeDesc.of(CD_long, CD_long))
                        .lstore(EmitterBase.T0);
                cb.lload(EmitterBase.T0).loadConstant(SseFast.FALLBACK).lcmp().ifeq(slowPath);
                cb.lload(EmitterBase.T0);
                writeGpr(f);
            }
            case TO_GPR -> {
                source(f);
                writeGpr(f);
            }
            case TO_GPR_FROM_128 -> {
                source(f);
                cb.invokestatic(owner(kind), kind.helper, MethodTypeDesc.of(CD_long, CD_long, CD_long));
                writeGpr(f);
            }
            case TO_MEM -> {
                Insn i = e.insns[k];
                source(f);
                if (wide) {
                    store16(k, i);
                } else {
                    cb.lstore(EmitterBase.T1);
                    e.store(k, i.seg, EmitterBase.EA, f.width(), EmitterBase.T1);
                }
                // A store into code ends the block after it, as after an inline integer store.
                e.stopCheck(k);
            }
        }
    }

    /**
     * The two quadwords on the stack (low, high) stored at EA as the handler stores them: both halves
     * probed for writing first, so that a fault on the second leaves memory untouched.
     */
    private void store16(int k, Insn i) {
        cb.lstore(EmitterBase.T2).lstore(EmitterBase.T1);
        probe(k, i.seg, EmitterBase.EA, 16);
        cb.lload(EmitterBase.EA).loadConstant(15L).ladd();
        e.mask(i.asz);
        cb.lstore(EmitterBase.T3);
        probe(k, i.seg, EmitterBase.T3, 1);
        e.store(k, i.seg, EmitterBase.EA, 8, EmitterBase.T1);
        cb.lload(EmitterBase.EA).loadConstant(8L).ladd();
        e.mask(i.asz);
        cb.lstore(EmitterBase.T3);
        e.store(k, i.seg, EmitterBase.T3, 8, EmitterBase.T2);
    }

    private void probe(int k, int seg, int addr, int size) {
        e.guard();
        cb.aload(EmitterBase.C).getfield(EmitterBase.CD_CPU, "mem", EmitterBase.CD_MEM).loadConstant(seg)
                .lload(addr).loadConstant(size)
                .invokevirtual(EmitterBase.CD_MEM, "probeWrite", MethodTypeDesc.of(CD_void, CD_int, CD_long, CD_int));
        e.endGuard(k);
    }

    private static ClassDesc owner(SseForm.Kind kind) {
        return ClassDesc.of(kind.owner.getName());
    }

    /** Pushes the source operand: one long, or two (low, high) for a 16-byte one. */
    private void source(SseForm f) {
        switch (f.from()) {
            case XMM -> {
                cb.aload(XMM).loadConstant(2 * f.src()).laload();
                if (f.width() == 16) {
                    cb.aload(XMM).loadConstant(2 * f.src() + 1).laload();
                }
            }
            case GPR -> {
                e.readReg(f.src(), f.width());
                if (f.signed()) {
                    e.signExtend(f.width());
                }
            }
            case MEM -> {
                cb.lload(EmitterBase.T1);
                if (f.width() == 16) {
                    cb.lload(EmitterBase.T2);
                } else if (f.signed()) {
                    e.signExtend(f.width());
                }
            }
        }
    }

    /**
     * The value on the stack into the destination register, stored through at once: the register
     * need not be one the block's plan knows it writes, so its local must not stay the only copy.
     */
    private void writeGpr(SseForm f) {
        e.writeReg(f.dst(), f.gprSize());
        e.flushReg(f.dst());
    }

    private State save() {
        return new State(e.loaded.clone(), e.dirty.clone(), e.pend, e.pendSize, e.pendFlushed);
    }

    private void restore(State s) {
        System.arraycopy(s.loaded, 0, e.loaded, 0, 16);
        System.arraycopy(s.dirty, 0, e.dirty, 0, 16);
        e.pend = s.pend;
        e.pendSize = s.pendSize;
        e.pendFlushed = s.flushed;
    }

    /**
     * Joins the fast path's state into the slow path's (the current one): the same registers loaded
     * and flags pending; a register newer than the Cpu's on either path counts as newer, flags stored
     * only when both stored them.
     */
    private void merge(State fast) {
        if (!java.util.Arrays.equals(fast.loaded, e.loaded) || fast.pend != e.pend
                || fast.pend >= 0 && fast.pendSize != e.pendSize) {
            throw new IllegalStateException("SSE fast and slow paths leave different translation states");
        }
        for (int r = 0; r < 16; r++) {
            e.dirty[r] |= fast.dirty[r];
        }
        e.pendFlushed &= fast.flushed;
    }
}
