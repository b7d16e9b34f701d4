package vmm.x86.emu.internal.jit;

import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.decode.Op;

/**
 * What the emitter decides before emitting a block: which instructions are inline, which of
 * them produce flags that nothing can see (overwritten before the next reader, handler call,
 * possible fault or exit), and which guest registers the block uses and writes.
 */
final class Plan {
    static final int RSP = 4;
    private static final int F_NONE = 0, F_FULL = 1, F_READ_FULL = 2, F_PARTIAL = 3, F_READS = 4;

    final boolean[] inline;
    final boolean[] flagsDead;
    final boolean[] written = new boolean[16];
    final boolean[] used = new boolean[16];

    Plan(Region region, int mode) {
        Insn[] insns = region.insns();
        int n = insns.length;
        inline = new boolean[n];
        flagsDead = new boolean[n];
        for (int k = 0; k < n; k++) {
            inline[k] = inlinable(insns[k], mode, region.last(k));
            if (inline[k]) {
                registers(insns[k]);
            }
        }
        boolean live = true;
        for (int k = n - 1; k >= 0; k--) {
            Insn i = insns[k];
            if (region.last(k)) {
                // A block of a region ends in a jump to another block or an exit: flags are live there.
                live = true;
            }
            if (!inline[k]) {
                live = true;
                continue;
            }
            if (writesMemory(i)) {
                live = true;
            }
            switch (effect(i)) {
                case F_FULL -> {
                    flagsDead[k] = !live;
                    live = false;
                }
                case F_READ_FULL -> {
                    flagsDead[k] = !live;
                    live = true;
                }
                case F_PARTIAL -> flagsDead[k] = !live;
                case F_READS -> live = true;
                default -> {
                }
            }
            if (faults(i)) {
                live = true;
            }
        }
    }

    /**
     * Whether translating the block pays: most of its instructions inline, or handler calls that
     * store only the registers they touch. A block of other handler calls would only lose the
     * interpreter's dispatch and costs a class definition and HotSpot's work.
     */
    static boolean worthTranslating(Insn[] insns, int mode) {
        int inlined = 0;
        int cheap = 0;
        for (int k = 0; k < insns.length; k++) {
            // An SSE form with an inline fast path (SseForm) counts as inline.
            if (inlinable(insns[k], mode, k == insns.length - 1) || SseForm.of(insns[k]) != null) {
                inlined++;
            } else if (Touch.of(insns[k]) != null) {
                // A handler call that stores only what it touches (an SSE copy loop's moves) counts half.
                cheap++;
            }
        }
        return inlined >= 2 && inlined * 2 + cheap >= insns.length;
    }

    /** Whether {@code i} is translated inline; the rest run through {@code Exec.execute}. */
    static boolean inlinable(Insn i, int mode, boolean last) {
        if (i.lock) {
            return false;
        }
        return switch (i.op) {
            case Op.MOV_RM_R, Op.MOV_R_RM, Op.MOV_RM_I, Op.LEA, Op.MOVZX, Op.MOVSX, Op.MOVSXD, Op.ALU_RM_R,
                    Op.ALU_R_RM, Op.ALU_RM_I, Op.TEST_RM_R, Op.TEST_RM_I, Op.INC, Op.DEC, Op.CMOV, Op.SETCC, Op.NOP,
                    Op.FENCE, Op.IMUL_R_RM, Op.IMUL_R_RM_I, Op.MUL, Op.IMUL1, Op.DIV, Op.IDIV, Op.CBW, Op.CWD,
                    Op.BSWAP -> true;
            // XCHG with memory is a locked read-modify-write: its handler does that.
            case Op.XCHG -> !i.mem;
            // PAUSE runs its handler: with several vCPUs it yields the host thread (spin-wait loops).
            case Op.NOT, Op.NEG -> !i.mem;
            case Op.SHIFT -> !i.mem && (i.cc == 0 || i.cc == 2) && i.sub != 2 && i.sub != 3;
            case Op.JCC, Op.JMP_REL -> last;
            case Op.PUSH_R, Op.POP_R -> mode == 8 && i.osz == 8;
            default -> false;
        };
    }

    static int shiftCount(Insn i) {
        return (int) (i.cc == 0 ? 1 : i.imm) & (i.osz == 8 ? 0x3f : 0x1f);
    }

    static int effect(Insn i) {
        return switch (i.op) {
            case Op.ALU_RM_R, Op.ALU_R_RM, Op.ALU_RM_I -> i.sub == 2 || i.sub == 3 ? F_READ_FULL : F_FULL;
            case Op.TEST_RM_R, Op.TEST_RM_I, Op.NEG, Op.IMUL_R_RM, Op.IMUL_R_RM_I, Op.MUL, Op.IMUL1 -> F_FULL;
            case Op.INC, Op.DEC -> F_PARTIAL;
            case Op.SHIFT -> shiftCount(i) == 0 ? F_NONE : i.sub >= 4 ? F_FULL : F_PARTIAL;
            case Op.CMOV, Op.SETCC, Op.JCC -> F_READS;
            default -> F_NONE;
        };
    }

    private static boolean faults(Insn i) {
        return i.mem && i.op != Op.LEA && i.op != Op.NOP && i.op != Op.PAUSE && i.op != Op.FENCE
                || i.op == Op.PUSH_R || i.op == Op.POP_R || i.op == Op.DIV || i.op == Op.IDIV;
    }

    private static boolean writesMemory(Insn i) {
        return switch (i.op) {
            case Op.MOV_RM_R, Op.MOV_RM_I, Op.INC, Op.DEC, Op.SETCC -> i.mem;
            case Op.ALU_RM_R, Op.ALU_RM_I -> i.mem && i.sub != 7;
            case Op.PUSH_R -> true;
            default -> false;
        };
    }

    /** Collects the registers an inline instruction may read or write (an over-approximation). */
    private void registers(Insn i) {
        if (i.op == Op.MUL || i.op == Op.IMUL1 || i.op == Op.DIV || i.op == Op.IDIV) {
            // ModRM.reg is the operation here; rAX and rDX are the implicit operands.
            use(0);
            use(2);
            written[0] = true;
            written[2] = true;
            if (!i.mem) {
                use(i.rm);
            }
            use(i.base);
            use(i.index);
            return;
        }
        switch (i.op) {
            case Op.CBW, Op.CWD -> {
                use(0);
                use(2);
                written[i.op == Op.CBW ? 0 : 2] = true;
                return;
            }
            case Op.XCHG -> writes(i.reg);
            default -> {
            }
        }
        use(i.reg);
        if (!i.mem) {
            use(i.rm);
        }
        use(i.base);
        use(i.index);
        if (i.op == Op.PUSH_R || i.op == Op.POP_R) {
            use(RSP);
            written[RSP] = true;
        }
        switch (i.op) {
            case Op.MOV_R_RM, Op.LEA, Op.MOVZX, Op.MOVSX, Op.MOVSXD, Op.ALU_R_RM, Op.CMOV, Op.IMUL_R_RM,
                    Op.IMUL_R_RM_I -> writes(i.reg);
            default -> {
                if (!i.mem) {
                    writes(i.rm);
                }
            }
        }
    }

    private void use(int reg) {
        if (reg >= 0) {
            used[reg & 15] = true;
        }
    }

    private void writes(int reg) {
        if (reg >= 0) {
            written[reg >= 16 ? reg - 16 : reg] = true;
        }
    }

    /** Whether instruction {@code i} changes the flags (so a dead producer leaves them unknown). */
    static boolean producesFlags(Insn i) {
        int e = effect(i);
        return e != F_NONE && e != F_READS;
    }
}
