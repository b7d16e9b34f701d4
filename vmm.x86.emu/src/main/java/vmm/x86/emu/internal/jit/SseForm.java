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
 * @param imm     the immediate byte, for the forms that take one
 */
record SseForm(Kind kind, int dst, int src, From from, int width, int gprSize, boolean aligned, int imm) {

    SseForm(Kind kind, int dst, int src, From from, int width, int gprSize, boolean aligned) {
        this(kind, dst, src, from, width, gprSize, aligned, 0);
    }

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
        TO_MEM,
        /** {@code (long lo, long hi) long} of a 16-byte source into a general register. */
        TO_GPR_FROM_128
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
        ADDPD("addpd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        SUBPD("subpd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        MULPD("mulpd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        DIVPD("divpd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        SQRTPD("sqrtpd", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        /** MIN/MAX raise nothing for ordered, non-denormal operands: no MXCSR condition. */
        MINSD("minsd", Gate.CR, Shape.TO_XMM_CHECKED),
        MAXSD("maxsd", Gate.CR, Shape.TO_XMM_CHECKED),
        MINSS("minss", Gate.CR, Shape.TO_XMM_CHECKED),
        MAXSS("maxss", Gate.CR, Shape.TO_XMM_CHECKED),
        MINPD("minpd", Gate.CR, Shape.TO_XMM_CHECKED),
        MAXPD("maxpd", Gate.CR, Shape.TO_XMM_CHECKED),
        /** Exact for a zero or normal float. */
        CVTSS2SD("cvtss2sd", Gate.CR, Shape.TO_XMM_CHECKED),
        CVTSD2SS("cvtsd2ss", Gate.MXCSR, Shape.TO_XMM_CHECKED),
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
        PADDB("paddb", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PADDW("paddw", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PADDD("paddd", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PADDQ("paddq", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PSUBB("psubb", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PSUBW("psubw", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PSUBD("psubd", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PSUBQ("psubq", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PCMPEQB("pcmpeqb", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PCMPEQW("pcmpeqw", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PCMPEQD("pcmpeqd", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PUNPCKLQDQ("punpcklqdq", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PUNPCKHQDQ("punpckhqdq", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PMOVMSKB("pmovmskb", Gate.CR, Shape.TO_GPR_FROM_128, SsePackedInt.class),
        ADDPS("addps", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        SUBPS("subps", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        MULPS("mulps", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        DIVPS("divps", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        SQRTPS("sqrtps", Gate.MXCSR, Shape.TO_XMM_CHECKED),
        MINPS("minps", Gate.CR, Shape.TO_XMM_CHECKED),
        MAXPS("maxps", Gate.CR, Shape.TO_XMM_CHECKED),
        PMINUB("pminub", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        PMAXUB("pmaxub", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        UNPCKLPD("unpcklpd", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        UNPCKHPD("unpckhpd", Gate.CR, Shape.TO_XMM, SsePackedInt.class),
        /** PSHUFD: {@code (long[] xmm, int d, long lo, long hi, int imm) void}. */
        PSHUFD("pshufd", Gate.CR, Shape.TO_XMM, SsePackedInt.class, true),
        PSHUFB("pshufb", Gate.CR, Shape.TO_XMM, SseShuffle.class),
        PUNPCKLBW("punpcklbw", Gate.CR, Shape.TO_XMM, SseShuffle.class),
        PUNPCKLWD("punpcklwd", Gate.CR, Shape.TO_XMM, SseShuffle.class),
        PUNPCKLDQ("punpckldq", Gate.CR, Shape.TO_XMM, SseShuffle.class),
        PUNPCKHBW("punpckhbw", Gate.CR, Shape.TO_XMM, SseShuffle.class),
        PUNPCKHWD("punpckhwd", Gate.CR, Shape.TO_XMM, SseShuffle.class),
        PUNPCKHDQ("punpckhdq", Gate.CR, Shape.TO_XMM, SseShuffle.class),
        /** The shifts by imm8: the register is source and destination, as PSHUFD's helper takes it. */
        PSRLW("psrlw", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        PSRAW("psraw", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        PSLLW("psllw", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        PSRLD("psrld", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        PSRAD("psrad", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        PSLLD("pslld", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        PSRLQ("psrlq", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        PSLLQ("psllq", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        PSRLDQ("psrldq", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        PSLLDQ("pslldq", Gate.CR, Shape.TO_XMM, SseShift.class, true),
        /** MOVD/MOVQ r32/r64, xmm. */
        MOVD_FROM_XMM(null, Gate.CR, Shape.TO_GPR),
        /** MOVSD/MOVSS/MOVQ/MOVD and the 16-byte moves to memory. */
        STORE(null, Gate.CR, Shape.TO_MEM);

        final String helper;
        final Gate gate;
        final Shape shape;
        /** The class of the helper method. */
        final Class<?> owner;
        /** The helper takes the immediate byte as a last {@code int} argument. */
        final boolean imm;

        Kind(String helper, Gate gate, Shape shape) {
            this(helper, gate, shape, SseFast.class);
        }

        Kind(String helper, Gate gate, Shape shape, Class<?> owner) {
            this(helper, gate, shape, owner, false);
        }

        Kind(String helper, Gate gate, Shape shape, Class<?> owner, boolean imm) {
            this.helper = helper;
            this.gate = gate;
            this.shape = shape;
            this.owner = owner;
            this.imm = imm;
        }
    }

    /** The inline form of {@code i}, or null when only its handler runs it. */
    static SseForm of(Insn i) {
        if (i.op != Op.FPU || i.lock || i.simd == null) {
            return null;
        }
        SimdInsn s = i.simd;
        if (s.map() == 0x0f38) {
            // SSSE3 PSHUFB; without 66 it is the MMX form.
            return s.opcode() == 0x00 ? packedInt(s.prefix(), Kind.PSHUFB, s.memory(), s.reg(), s.rm()) : null;
        }
        if (s.map() != 0x0f) {
            return null;
        }
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
                default -> m ? store(reg, 16) : xmm(Kind.MOVE, rm, reg, 16);
            };
            case 0x28 -> !ps ? null : m ? aligned(Kind.MOVE, reg) : xmm(Kind.MOVE, reg, rm, 16);
            case 0x29 -> !ps ? null : m ? new SseForm(Kind.STORE, -1, reg, From.XMM, 16, 0, true) : xmm(Kind.MOVE, rm, reg, 16);
            case 0x6f -> p != 0x66 && p != 0xf3 ? null
                    : m ? (p == 0x66 ? aligned(Kind.MOVE, reg) : load(Kind.MOVE, reg, 16)) : xmm(Kind.MOVE, reg, rm, 16);
            case 0x7f -> p != 0x66 && p != 0xf3 ? null
                    : m ? new SseForm(Kind.STORE, -1, reg, From.XMM, 16, 0, p == 0x66) : xmm(Kind.MOVE, rm, reg, 16);
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
            case 0xfc -> packedInt(p, Kind.PADDB, m, reg, rm);
            case 0xfd -> packedInt(p, Kind.PADDW, m, reg, rm);
            case 0xfe -> packedInt(p, Kind.PADDD, m, reg, rm);
            case 0xd4 -> packedInt(p, Kind.PADDQ, m, reg, rm);
            case 0xf8 -> packedInt(p, Kind.PSUBB, m, reg, rm);
            case 0xf9 -> packedInt(p, Kind.PSUBW, m, reg, rm);
            case 0xfa -> packedInt(p, Kind.PSUBD, m, reg, rm);
            case 0xfb -> packedInt(p, Kind.PSUBQ, m, reg, rm);
            case 0x74 -> packedInt(p, Kind.PCMPEQB, m, reg, rm);
            case 0x75 -> packedInt(p, Kind.PCMPEQW, m, reg, rm);
            case 0x76 -> packedInt(p, Kind.PCMPEQD, m, reg, rm);
            case 0x60 -> packedInt(p, Kind.PUNPCKLBW, m, reg, rm);
            case 0x61 -> packedInt(p, Kind.PUNPCKLWD, m, reg, rm);
            case 0x62 -> packedInt(p, Kind.PUNPCKLDQ, m, reg, rm);
            case 0x68 -> packedInt(p, Kind.PUNPCKHBW, m, reg, rm);
            case 0x69 -> packedInt(p, Kind.PUNPCKHWD, m, reg, rm);
            case 0x6a -> packedInt(p, Kind.PUNPCKHDQ, m, reg, rm);
            case 0x71, 0x72, 0x73 -> p != 0x66 || m ? null : shiftImm(s);
            case 0x6c -> packedInt(p, Kind.PUNPCKLQDQ, m, reg, rm);
            case 0x6d -> packedInt(p, Kind.PUNPCKHQDQ, m, reg, rm);
            case 0xd7 -> p != 0x66 || m ? null : new SseForm(Kind.PMOVMSKB, reg, rm, From.XMM, 16, 4, false);
            case 0x51 -> arith(p, Kind.SQRTSD, Kind.SQRTSS, Kind.SQRTPD, Kind.SQRTPS, m, reg, rm);
            case 0x58 -> arith(p, Kind.ADDSD, Kind.ADDSS, Kind.ADDPD, Kind.ADDPS, m, reg, rm);
            case 0x59 -> arith(p, Kind.MULSD, Kind.MULSS, Kind.MULPD, Kind.MULPS, m, reg, rm);
            case 0x5c -> arith(p, Kind.SUBSD, Kind.SUBSS, Kind.SUBPD, Kind.SUBPS, m, reg, rm);
            case 0x5d -> arith(p, Kind.MINSD, Kind.MINSS, Kind.MINPD, Kind.MINPS, m, reg, rm);
            case 0x5e -> arith(p, Kind.DIVSD, Kind.DIVSS, Kind.DIVPD, Kind.DIVPS, m, reg, rm);
            case 0x5f -> arith(p, Kind.MAXSD, Kind.MAXSS, Kind.MAXPD, Kind.MAXPS, m, reg, rm);
            case 0xda -> packedInt(p, Kind.PMINUB, m, reg, rm);
            case 0xde -> packedInt(p, Kind.PMAXUB, m, reg, rm);
            case 0x14 -> p == 0x66 ? logic(Kind.UNPCKLPD, m, reg, rm) : null;
            case 0x15 -> p == 0x66 ? logic(Kind.UNPCKHPD, m, reg, rm) : null;
            case 0x70 -> p != 0x66 ? null : new SseForm(Kind.PSHUFD, reg, m ? -1 : rm, m ? From.MEM : From.XMM, 16, 0, m,
                    s.imm8());
            // CVTSD2SS (F2) reads a double, CVTSS2SD (F3) a float.
            case 0x5a -> scalar(p, Kind.CVTSD2SS, Kind.CVTSS2SD, m, reg, rm);
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

    /** 66 0F 71/72/73 by ModRM.reg (without REX.R): the register form only, the rest #UD by the handler. */
    private static SseForm shiftImm(SimdInsn s) {
        int sub = (s.modrm() >> 3) & 7;
        Kind k = switch (s.opcode() << 4 | sub) {
            case 0x712 -> Kind.PSRLW;
            case 0x714 -> Kind.PSRAW;
            case 0x716 -> Kind.PSLLW;
            case 0x722 -> Kind.PSRLD;
            case 0x724 -> Kind.PSRAD;
            case 0x726 -> Kind.PSLLD;
            case 0x732 -> Kind.PSRLQ;
            case 0x733 -> Kind.PSRLDQ;
            case 0x736 -> Kind.PSLLQ;
            case 0x737 -> Kind.PSLLDQ;
            default -> null;
        };
        return k == null ? null : new SseForm(k, s.rm(), s.rm(), From.XMM, 16, 0, false, s.imm8() & 0xff);
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

    /** The SSE2 integer forms: 66 only (without it they are MMX), a memory operand aligned. */
    private static SseForm packedInt(int p, Kind k, boolean m, int reg, int rm) {
        return p != 0x66 ? null : logic(k, m, reg, rm);
    }

    /** Scalar double (F2) and single (F3), packed double (66) and single (none: a memory operand aligned). */
    private static SseForm arith(int p, Kind sd, Kind ss, Kind pd, Kind ps, boolean m, int reg, int rm) {
        if (p == 0x66 || p == 0) {
            return logic(p == 0x66 ? pd : ps, m, reg, rm);
        }
        return scalar(p, sd, ss, m, reg, rm);
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
        return kind.shape == Shape.TO_GPR || kind.shape == Shape.TO_GPR_CHECKED || kind.shape == Shape.TO_GPR_FROM_128
                ? dst : -1;
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
