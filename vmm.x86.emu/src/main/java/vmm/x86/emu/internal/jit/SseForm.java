package vmm.x86.emu.internal.jit;

import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.decode.Op;
import vmm.x86.emu.internal.fpu.SimdInsn;

/**
 * An SSE instruction that translated code runs inline (through {@link SseFast}) when the fast path's
 * conditions hold, with its handler as the fallback: which operation, the destination (an XMM or a
 * general register, by {@link Kind#shape}), where the source comes from and how wide it is, and the
 * size of a general-register result.
 *
 * @param dst     the destination register: XMM for results in XMM (and for comparisons, the first
 *                operand), general for results in a general register; unused for stores
 * @param src     the source register (XMM or general, by {@code from}); unused for memory
 * @param width   the source operand's bytes (4, 8 or 16), or a store's
 * @param gprSize the size of a general-register result (4 or 8)
 * @param aligned a 16-byte memory operand that must be aligned (#GP otherwise: the handler's case)
 */
record SseForm(Kind kind, int dst, int src, From from, int width, int gprSize, boolean aligned) {

    /** What the fast path needs before it may run instead of the handler. */
    enum Gate {
        /** CR0.EM and CR0.TS clear, CR4.OSFXSR set: moves and logic, which raise nothing else. */
        CR,
        /** And MXCSR masks everything, rounds to nearest, no DAZ/FTZ, PE already set: arithmetic. */
        MXCSR
    }

    enum From {
        XMM, GPR, MEM
    }

    /** How the helper is called and where the result goes. */
    enum Shape {
        /** {@code (long[] xmm, int d, source) void}: cannot fail once the gate holds. */
        TO_XMM,
        /** {@code (long[] xmm, int d, source) boolean}: false when the handler must decide. */
        TO_XMM_CHECKED,
        /** {@code (source) long} into a general register, {@code Long.MIN_VALUE} when the handler must decide. */
        TO_GPR_CHECKED,
        /** The source itself into a general register. */
        TO_GPR,
        /** {@code (long[] xmm, int d, source) long}: ZF/PF/CF, or -1 when the handler must decide. */
        FLAGS,
        /** The source (an XMM register's low bytes) stored to memory. */
        TO_MEM
    }

    enum Kind {
        MOVE("move", Gate.CR, Shape.TO_XMM),
        MOVE_LO64("moveLo64", Gate.CR, Shape.TO_XMM),
        MOVE_LO32("moveLo32", Gate.CR, Shape.TO_XMM),
        /** The low quadword (or dword) set, the rest of the register cleared. */
        ZERO_EXTEND("zeroExtend", Gate.CR, Shape.TO_XMM),
        AND("and", Gate.CR, Shape.TO_XMM),
        ANDN("andn", Gate.CR, Shape.TO_XMM),
        OR("or", Gate.CR, Shape.TO_XMM),
        XOR("xor", Gate.CR, Shape.TO_XMM),
        ADDSD("addsd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        SUBSD("subsd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        MULSD("mulsd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        DIVSD("divsd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        SQRTSD("sqrtsd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        ADDSS("addss", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        SUBSS("subss", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        MULSS("mulss", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        DIVSS("divss", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        SQRTSS("sqrtss", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        /** From a sign-extended integer: exact from 32 bits (no MXCSR condition), rounded (PE) from 64. */
        CVTSI2SD("cvtsi2sd", Gate.MXCSR, Shape.TO_XMM),
        CVTSI2SS("cvtsi2ss", Gate.MXCSR, Shape.TO_XMM),
        CVTTSD2SI("cvttsd2si", Gate.MXCSR, Shape.TO_GPR_CHECKED),
        CVTSD2SI("cvtsd2si", Gate.MXCSR, Shape.TO_GPR_CHECKED),
        CVTTSS2SI("cvttss2si", Gate.MXCSR, Shape.TO_GPR_CHECKED),
        CVTSS2SI("cvtss2si", Gate.MXCSR, Shape.TO_GPR_CHECKED),
        /** (U)COMISD/SS: no exception at all for ordered, non-denormal operands. */
        COMISD("comisd", Gate.CR, Shape.FLAGS),
        COMISS("comiss", Gate.CR, Shape.FLAGS),
        /** MOVD/MOVQ r32/r64, xmm. */
        MOVD_FROM_XMM(null, Gate.CR, Shape.TO_GPR),
        /** MOVSD/MOVSS/MOVQ/MOVD to memory. */
        STORE(null, Gate.CR, Shape.TO_MEM);

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
        if (i.op != Op.FPU || i.lock || i.simd == null || i.simd.map() != 0x0f) {
            return null;
        }
        SimdInsn s = i.simd;
        int p = s.prefix();
        boolean m = s.memory();
        int reg = s.reg();
        int rm = s.rm();
        int size = s.rexW() ? 8 : 4;
        boolean ps = p == 0 || p == 0x66;
        return switch (s.opcode()) {
            case 0x10 -> switch (p) {
                case 0xf2 -> m ? load(Kind.ZERO_EXTEND, reg, 8) : xmm(Kind.MOVE_LO64, reg, rm, 8);
                case 0xf3 -> m ? load(Kind.ZERO_EXTEND, reg, 4) : xmm(Kind.MOVE_LO32, reg, rm, 4);
                default -> m ? load(Kind.MOVE, reg, 16) : xmm(Kind.MOVE, reg, rm, 16);
            };
            case 0x11 -> switch (p) {
                case 0xf2 -> m ? store(reg, 8) : xmm(Kind.MOVE_LO64, rm, reg, 8);
                case 0xf3 -> m ? store(reg, 4) : xmm(Kind.MOVE_LO32, rm, reg, 4);
                // A 16-byte store may fault on its second half: the handler probes first.
                default -> m ? null : xmm(Kind.MOVE, rm, reg, 16);
            };
            case 0x28 -> !ps ? null : m ? aligned(Kind.MOVE, reg) : xmm(Kind.MOVE, reg, rm, 16);
            case 0x29 -> !ps || m ? null : xmm(Kind.MOVE, rm, reg, 16);
            case 0x6f -> p != 0x66 && p != 0xf3 ? null
                    : m ? (p == 0x66 ? aligned(Kind.MOVE, reg) : load(Kind.MOVE, reg, 16)) : xmm(Kind.MOVE, reg, rm, 16);
            case 0x7f -> (p != 0x66 && p != 0xf3) || m ? null : xmm(Kind.MOVE, rm, reg, 16);
            case 0x7e -> switch (p) {
                case 0xf3 -> m ? load(Kind.ZERO_EXTEND, reg, 8) : xmm(Kind.ZERO_EXTEND, reg, rm, 8);
                case 0x66 -> m ? store(reg, size) : new SseForm(Kind.MOVD_FROM_XMM, rm, reg, From.XMM, 8, size, false);
                default -> null;
            };
            case 0xd6 -> p != 0x66 ? null : m ? store(reg, 8) : xmm(Kind.ZERO_EXTEND, rm, reg, 8);
            case 0x6e -> p != 0x66 ? null : m ? load(Kind.ZERO_EXTEND, reg, size)
                    : new SseForm(Kind.ZERO_EXTEND, reg, rm, From.GPR, size, 0, false);
            case 0x54 -> ps ? logic(Kind.AND, m, reg, rm) : null;
            case 0x55 -> ps ? logic(Kind.ANDN, m, reg, rm) : null;
            case 0x56 -> ps ? logic(Kind.OR, m, reg, rm) : null;
            case 0x57 -> ps ? logic(Kind.XOR, m, reg, rm) : null;
            case 0xdb -> p == 0x66 ? logic(Kind.AND, m, reg, rm) : null;
            case 0xdf -> p == 0x66 ? logic(Kind.ANDN, m, reg, rm) : null;
            case 0xeb -> p == 0x66 ? logic(Kind.OR, m, reg, rm) : null;
            case 0xef -> p == 0x66 ? logic(Kind.XOR, m, reg, rm) : null;
            case 0x51 -> scalar(p, Kind.SQRTSD, Kind.SQRTSS, m, reg, rm);
            case 0x58 -> scalar(p, Kind.ADDSD, Kind.ADDSS, m, reg, rm);
            case 0x59 -> scalar(p, Kind.MULSD, Kind.MULSS, m, reg, rm);
            case 0x5c -> scalar(p, Kind.SUBSD, Kind.SUBSS, m, reg, rm);
            case 0x5e -> scalar(p, Kind.DIVSD, Kind.DIVSS, m, reg, rm);
            case 0x2a -> p != 0xf2 && p != 0xf3 ? null
                    : new SseForm(p == 0xf2 ? Kind.CVTSI2SD : Kind.CVTSI2SS, reg, m ? -1 : rm, m ? From.MEM : From.GPR,
                            size, 0, false);
            case 0x2c, 0x2d -> {
                boolean t = s.opcode() == 0x2c;
                Kind k = p == 0xf2 ? (t ? Kind.CVTTSD2SI : Kind.CVTSD2SI)
                        : p == 0xf3 ? (t ? Kind.CVTTSS2SI : Kind.CVTSS2SI) : null;
                yield k == null ? null
                        : new SseForm(k, reg, m ? -1 : rm, m ? From.MEM : From.XMM, p == 0xf2 ? 8 : 4, size, false);
            }
            case 0x2e, 0x2f -> p == 0x66 ? scalar(0xf2, Kind.COMISD, null, m, reg, rm)
                    : p == 0 ? scalar(0xf3, null, Kind.COMISS, m, reg, rm) : null;
            default -> null;
        };
    }

    private static SseForm xmm(Kind k, int dst, int src, int width) {
        return new SseForm(k, dst, src, From.XMM, width, 0, false);
    }

    private static SseForm load(Kind k, int dst, int width) {
        return new SseForm(k, dst, -1, From.MEM, width, 0, false);
    }

    private static SseForm aligned(Kind k, int dst) {
        return new SseForm(k, dst, -1, From.MEM, 16, 0, true);
    }

    private static SseForm store(int src, int width) {
        return new SseForm(Kind.STORE, -1, src, From.XMM, width, 0, false);
    }

    /** 128-bit logic: a memory operand must be aligned. */
    private static SseForm logic(Kind k, boolean m, int reg, int rm) {
        return m ? aligned(k, reg) : xmm(k, reg, rm, 16);
    }

    private static SseForm scalar(int p, Kind sd, Kind ss, boolean m, int reg, int rm) {
        Kind k = p == 0xf2 ? sd : p == 0xf3 ? ss : null;
        if (k == null) {
            return null;
        }
        int width = p == 0xf2 ? 8 : 4;
        return m ? load(k, reg, width) : xmm(k, reg, rm, width);
    }

    /** Whether the instruction has a memory operand (a source, or a store's destination). */
    boolean memory() {
        return from == From.MEM || kind == Kind.STORE;
    }

    /** The general register the form reads, or -1. */
    int gprRead() {
        return from == From.GPR ? src : -1;
    }

    /** The general register the form writes, or -1. */
    int gprWritten() {
        return kind.shape == Shape.TO_GPR || kind.shape == Shape.TO_GPR_CHECKED ? dst : -1;
    }

    /** What the gate must allow: CVTSI2SD from 32 bits is exact in every MXCSR. */
    Gate gate() {
        return kind == Kind.CVTSI2SD && width == 4 ? Gate.CR : kind.gate;
    }

    /** CVTSI2SD/SS take the integer sign-extended. */
    boolean signed() {
        return kind == Kind.CVTSI2SD || kind == Kind.CVTSI2SS;
    }
}
