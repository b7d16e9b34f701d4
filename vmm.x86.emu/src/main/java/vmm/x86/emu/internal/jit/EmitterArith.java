package vmm.x86.emu.internal.jit;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.decode.Op;

/**
 * The r/m operand of an inline instruction, the one-operand multiplies and divides over RDX:RAX
 * (F6/F7 /4-/7) with the interpreter's flags and its #DE, and the flag-free register moves CBW/CWDE/
 * CDQE, CWD/CDQ/CQO, XCHG between registers and BSWAP.
 */
abstract class EmitterArith extends EmitterBase {
    private static final ClassDesc CD_MATH = ClassDesc.of("java.lang.Math");
    private static final int RAX = 0, RDX = 2;

    private final boolean[] flagsDead;
    /** Whether the current instruction's address is in EA already. */
    boolean prepared;

    EmitterArith(CodeBuilder cb, Region region, boolean[] flagsDead) {
        super(cb, region);
        this.flagsDead = flagsDead;
    }

    /** Pushes the r/m operand at {@code size} (a memory read may fault). */
    void readRm(int k, int size) {
        Insn i = insns[k];
        if (!i.mem) {
            readReg(i.rm, size);
            return;
        }
        address(k);
        load(k, i.seg, EA, size);
    }

    /** Computes the memory operand's address into EA, with the state made exact first (once). */
    void address(int k) {
        if (prepared) {
            return;
        }
        ensureOperands(insns[k]);
        ea(k);
        cb.lstore(EA);
        prepared = true;
    }

    void ensureOperands(Insn i) {
        if (i.base >= 0) {
            ensure(i.base);
        }
        if (i.index >= 0) {
            ensure(i.index);
        }
    }

    /** Pops a value into the r/m operand at {@code size}; a memory store ends the block if it hit code. */
    void writeRm(int k, int size) {
        Insn i = insns[k];
        if (!i.mem) {
            writeReg(i.rm, size);
            return;
        }
        cb.lstore(T2);
        address(k);
        store(k, i.seg, EA, size, T2);
        stopCheck(k);
    }

    /**
     * MUL and IMUL r/m: the product of rAX and the operand into AX, DX:AX, EDX:EAX or RDX:RAX; CF=OF
     * when the high half is significant, SF, ZF and PF from the low half as the interpreter sets them.
     */
    void mulWide(int k) {
        Insn i = insns[k];
        int size = i.osz;
        boolean signed = i.op == Op.IMUL1;
        readRm(k, size);
        if (signed) {
            signExtend(size);
        }
        cb.lstore(T1);
        readReg(RAX, size);
        if (signed) {
            signExtend(size);
        }
        cb.lstore(T0);
        // T3: the product (its low 64 bits for size 8), T2: the high 64 bits for size 8.
        cb.lload(T0).lload(T1).lmul().lstore(T3);
        if (size == 8) {
            cb.lload(T0).lload(T1).invokestatic(CD_MATH, signed ? "multiplyHigh" : "unsignedMultiplyHigh",
                    MethodTypeDesc.of(CD_long, CD_long, CD_long)).lstore(T2);
        } else {
            cb.lconst_0().lstore(T2);
        }
        switch (size) {
            case 1 -> {
                cb.lload(T3);
                writeReg(RAX, 2);
            }
            case 8 -> {
                cb.lload(T3);
                writeReg(RAX, 8);
                cb.lload(T2);
                writeReg(RDX, 8);
            }
            default -> {
                cb.lload(T3);
                writeReg(RAX, size);
                cb.lload(T3).loadConstant(size * 8).lushr();
                writeReg(RDX, size);
            }
        }
        if (!flagsDead[k]) {
            cb.lload(T3).lload(T2).loadConstant(size).loadConstant(signed ? 1 : 0)
                    .invokestatic(CD_RT, "wideMulFlags", MethodTypeDesc.of(CD_long, CD_long, CD_long, CD_int, CD_boolean))
                    .lstore(FAUX);
            produced(Flags.EXPLICIT, size);
        }
    }

    /**
     * DIV and IDIV r/m: the quotient from {@link Rt#divide} (which raises #DE, with the state of the
     * instruction's start stored by the guard's handler), the remainder as dividend minus quotient
     * times divisor (exact in the low bits that are kept). The flags are left as they were.
     */
    void divide(int k) {
        Insn i = insns[k];
        int size = i.osz;
        boolean signed = i.op == Op.IDIV;
        readRm(k, size);
        cb.lstore(T1);
        if (size == 1) {
            cb.lconst_0().lstore(T2);
            readReg(RAX, 2);
        } else {
            readReg(RDX, size);
            cb.lstore(T2);
            readReg(RAX, size);
        }
        cb.lstore(T0);
        guard();
        cb.aload(C).lload(T2).lload(T0).lload(T1).loadConstant(size).loadConstant(signed ? 1 : 0)
                .invokestatic(CD_RT, "divide", MethodTypeDesc.of(CD_long, CD_CPU, CD_long, CD_long, CD_long, CD_int,
                        CD_boolean))
                .lstore(T3);
        endGuard(k);
        // T0 := remainder
        cb.lload(T0).lload(T3).lload(T1).lmul().lsub().lstore(T0);
        if (size == 1) {
            cb.lload(T3).loadConstant(0xffL).land().lload(T0).loadConstant(0xffL).land().loadConstant(8).lshl().lor();
            writeReg(RAX, 2);
        } else {
            cb.lload(T3);
            writeReg(RAX, size);
            cb.lload(T0);
            writeReg(RDX, size);
        }
    }

    /** CBW and CWD families, XCHG between registers, BSWAP. */
    void move(int k) {
        Insn i = insns[k];
        int size = i.osz;
        switch (i.op) {
            case Op.CBW -> {
                readReg(RAX, size / 2);
                signExtend(size / 2);
                writeReg(RAX, size);
            }
            case Op.CWD -> {
                readReg(RAX, size);
                signExtend(size);
                cb.loadConstant(63).lshr();
                writeReg(RDX, size);
            }
            case Op.XCHG -> {
                readReg(i.reg, size);
                cb.lstore(T0);
                readReg(i.rm, size);
                cb.lstore(T1);
                cb.lload(T0);
                writeReg(i.rm, size);
                cb.lload(T1);
                writeReg(i.reg, size);
            }
            default -> {
                switch (size) {
                    case 8 -> {
                        readReg(i.rm, 8);
                        cb.invokestatic(ClassDesc.of("java.lang.Long"), "reverseBytes", MethodTypeDesc.of(CD_long, CD_long));
                    }
                    case 4 -> {
                        readReg(i.rm, 4);
                        cb.l2i().invokestatic(ClassDesc.of("java.lang.Integer"), "reverseBytes",
                                MethodTypeDesc.of(CD_int, CD_int)).i2l();
                    }
                    // BSWAP of a 16-bit register is undefined: the interpreter clears it.
                    default -> cb.lconst_0();
                }
                writeReg(i.rm, size);
            }
        }
    }
}
