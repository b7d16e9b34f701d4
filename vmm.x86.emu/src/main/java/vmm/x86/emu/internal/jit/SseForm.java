package vmm.x86.emu.internal.jit;

import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.decode.Op;
import vmm.x86.emu.internal.fpu.SimdInsn;

/**
 * An SSE register-to-register instruction that translated code runs inline (through {@link SseFast})
 * when the fast path's conditions hold, with its handler as the fallback: which operation, its
 * destination and source (XMM or general register numbers, as {@link Kind} says) and the general
 * register's size.
 */
record SseForm(Kind kind, int dst, int src, int size) {

    /** What the fast path needs before it may run instead of the handler. */
    enum Gate {
        /** CR0.EM and CR0.TS clear, CR4.OSFXSR set: moves and logic, which raise nothing else. */
        CR,
        /** And MXCSR masks everything, rounds to nearest, no DAZ/FTZ, PE already set: arithmetic. */
        MXCSR
    }

    /** How the helper is called and what it returns. */
    enum Shape {
        /** {@code (long[] xmm, int d, int s) void}: cannot fail once the gate holds. */
        XMM_XMM,
        /** {@code (long[] xmm, int d, int s) boolean}: false when the handler must decide. */
        XMM_XMM_CHECKED,
        /** {@code (long[] xmm, int d, long gpr) void}. */
        XMM_GPR,
        /** {@code (long[] xmm, int s) long}, {@code Long.MIN_VALUE} when the handler must decide. */
        GPR_XMM_CHECKED,
        /** {@code (long[] xmm, int s) long}: the low quadword. */
        GPR_XMM,
        /** {@code (long[] xmm, int d, int s) long}: ZF/PF/CF, or -1 when the handler must decide. */
        FLAGS
    }

    enum Kind {
        MOVE("move", Gate.CR, Shape.XMM_XMM),
        MOVE_LO64("moveLo64", Gate.CR, Shape.XMM_XMM),
        MOVE_LO32("moveLo32", Gate.CR, Shape.XMM_XMM),
        MOVQ("movq", Gate.CR, Shape.XMM_XMM),
        AND("and", Gate.CR, Shape.XMM_XMM),
        ANDN("andn", Gate.CR, Shape.XMM_XMM),
        OR("or", Gate.CR, Shape.XMM_XMM),
        XOR("xor", Gate.CR, Shape.XMM_XMM),
        ADDSD("addsd", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        SUBSD("subsd", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        MULSD("mulsd", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        DIVSD("divsd", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        SQRTSD("sqrtsd", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        ADDSS("addss", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        SUBSS("subss", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        MULSS("mulss", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        DIVSS("divss", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        SQRTSS("sqrtss", Gate.MXCSR, Shape.XMM_XMM_CHECKED),
        /** From a sign-extended general register: exact from 32 bits, rounded (PE) from 64. */
        CVTSI2SD("cvtsi2sd", Gate.MXCSR, Shape.XMM_GPR),
        CVTSI2SS("cvtsi2ss", Gate.MXCSR, Shape.XMM_GPR),
        CVTTSD2SI("cvttsd2si", Gate.MXCSR, Shape.GPR_XMM_CHECKED),
        CVTSD2SI("cvtsd2si", Gate.MXCSR, Shape.GPR_XMM_CHECKED),
        CVTTSS2SI("cvttss2si", Gate.MXCSR, Shape.GPR_XMM_CHECKED),
        CVTSS2SI("cvtss2si", Gate.MXCSR, Shape.GPR_XMM_CHECKED),
        /** (U)COMISD/SS: no exception at all for ordered, non-denormal operands. */
        COMISD("comisd", Gate.CR, Shape.FLAGS),
        COMISS("comiss", Gate.CR, Shape.FLAGS),
        /** MOVD/MOVQ xmm, r32/r64 (zero-extended). */
        MOVD_TO_XMM("movdToXmm", Gate.CR, Shape.XMM_GPR),
        /** MOVD/MOVQ r32/r64, xmm. */
        MOVD_FROM_XMM("lo", Gate.CR, Shape.GPR_XMM);

        final String helper;
        final Gate gate;
        final Shape shape;

        Kind(String helper, Gate gate, Shape shape) {
            this.helper = helper;
            this.gate = gate;
            this.shape = shape;
        }
    }

    /** The inline form of {@code i}, or null when only its handler runs it. */
    static SseForm of(Insn i) {
        if (i.op != Op.FPU || i.lock || i.simd == null) {
            return null;
        }
        SimdInsn s = i.simd;
        if (s.map() != 0x0f || s.memory()) {
            return null;
        }
        int p = s.prefix();
        int reg = s.reg();
        int rm = s.rm();
        int size = s.rexW() ? 8 : 4;
        boolean ps = p == 0 || p == 0x66;
        return switch (s.opcode()) {
            case 0x10 -> load(p == 0xf2 ? Kind.MOVE_LO64 : p == 0xf3 ? Kind.MOVE_LO32 : Kind.MOVE, reg, rm);
            case 0x11 -> load(p == 0xf2 ? Kind.MOVE_LO64 : p == 0xf3 ? Kind.MOVE_LO32 : Kind.MOVE, rm, reg);
            case 0x28 -> ps ? load(Kind.MOVE, reg, rm) : null;
            case 0x29 -> ps ? load(Kind.MOVE, rm, reg) : null;
            case 0x6f -> p == 0x66 || p == 0xf3 ? load(Kind.MOVE, reg, rm) : null;
            case 0x7f -> p == 0x66 || p == 0xf3 ? load(Kind.MOVE, rm, reg) : null;
            case 0x7e -> p == 0xf3 ? load(Kind.MOVQ, reg, rm)
                    : p == 0x66 ? new SseForm(Kind.MOVD_FROM_XMM, rm, reg, size) : null;
            case 0xd6 -> p == 0x66 ? load(Kind.MOVQ, rm, reg) : null;
            case 0x6e -> p == 0x66 ? new SseForm(Kind.MOVD_TO_XMM, reg, rm, size) : null;
            case 0x54 -> ps ? load(Kind.AND, reg, rm) : null;
            case 0x55 -> ps ? load(Kind.ANDN, reg, rm) : null;
            case 0x56 -> ps ? load(Kind.OR, reg, rm) : null;
            case 0x57 -> ps ? load(Kind.XOR, reg, rm) : null;
            case 0xdb -> p == 0x66 ? load(Kind.AND, reg, rm) : null;
            case 0xdf -> p == 0x66 ? load(Kind.ANDN, reg, rm) : null;
            case 0xeb -> p == 0x66 ? load(Kind.OR, reg, rm) : null;
            case 0xef -> p == 0x66 ? load(Kind.XOR, reg, rm) : null;
            case 0x51 -> scalar(p, Kind.SQRTSD, Kind.SQRTSS, reg, rm);
            case 0x58 -> scalar(p, Kind.ADDSD, Kind.ADDSS, reg, rm);
            case 0x59 -> scalar(p, Kind.MULSD, Kind.MULSS, reg, rm);
            case 0x5c -> scalar(p, Kind.SUBSD, Kind.SUBSS, reg, rm);
            case 0x5e -> scalar(p, Kind.DIVSD, Kind.DIVSS, reg, rm);
            case 0x2a -> p == 0xf2 ? new SseForm(Kind.CVTSI2SD, reg, rm, size)
                    : p == 0xf3 ? new SseForm(Kind.CVTSI2SS, reg, rm, size) : null;
            case 0x2c -> p == 0xf2 ? new SseForm(Kind.CVTTSD2SI, reg, rm, size)
                    : p == 0xf3 ? new SseForm(Kind.CVTTSS2SI, reg, rm, size) : null;
            case 0x2d -> p == 0xf2 ? new SseForm(Kind.CVTSD2SI, reg, rm, size)
                    : p == 0xf3 ? new SseForm(Kind.CVTSS2SI, reg, rm, size) : null;
            case 0x2e, 0x2f -> p == 0x66 ? load(Kind.COMISD, reg, rm) : p == 0 ? load(Kind.COMISS, reg, rm) : null;
            default -> null;
        };
    }

    private static SseForm load(Kind k, int dst, int src) {
        return new SseForm(k, dst, src, 0);
    }

    private static SseForm scalar(int p, Kind sd, Kind ss, int reg, int rm) {
        return p == 0xf2 ? load(sd, reg, rm) : p == 0xf3 ? load(ss, reg, rm) : null;
    }

    /** The general register the form reads, or -1. */
    int gprRead() {
        return kind.shape == Shape.XMM_GPR ? src : -1;
    }

    /** The general register the form writes, or -1. */
    int gprWritten() {
        return kind.shape == Shape.GPR_XMM || kind.shape == Shape.GPR_XMM_CHECKED ? dst : -1;
    }
}
