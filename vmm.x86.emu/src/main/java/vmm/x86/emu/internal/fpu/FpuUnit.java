package vmm.x86.emu.internal.fpu;

import vmm.core.hypervisor.state.FpuState;

/**
 * The x87 FPU, MMX, SSE, SSE2, SSE3, SSSE3 and SSE4.1 state of one vCPU and the instructions on
 * it, checked bit for bit against the host CPU by the differential tests of this package.
 *
 * <p>The integer core routes here: the one-byte escapes D8-DF and 9B (FWAIT); in map 0x0f every
 * opcode it does not own itself (see {@link #ownsTwoByte}); all of maps 0x0f38 and 0x0f3a.
 * Every SIMD opcode routed here has a ModRM byte except 0F 77 (EMMS) and 9B.
 *
 * <p>Arithmetic is exact: {@link SoftFloat} rounds once, in every rounding mode, under x87
 * precision control, with IEEE flags, denormals, DAZ/FTZ and the x86 NaN rules. The common
 * SSE cases (round to nearest on normal or zero operands with a normal result; conversions
 * from integers in every rounding mode) run on Java's own arithmetic with an exact test for
 * the inexact flag ({@link Mxcsr}, {@link MxcsrConvert}); SoftFloat decides the rest.
 * Simplifications, all documented where they live:
 * <ul>
 * <li>the x87 last-instruction and last-operand pointers (FIP/FDP/FOP) are not updated by
 * instructions (the core does not pass them); FXSAVE/FNSTENV report the values last loaded;
 * <li>an unmasked x87 exception raises #MF on the next waiting instruction also with CR0.NE
 * clear (a PC would signal FERR# to IRQ 13);
 * <li>FNSTENV/FLDENV/FNSAVE/FRSTOR use the protected-mode layouts in every mode;
 * <li>transcendental x87 instructions carry about 53 good bits (double-precision evaluation
 * after an exact argument reduction by the x87's own 66-bit pi), not the hardware's 64;
 * <li>RCPPS/RSQRTPS return the correctly rounded reciprocal, not Intel's table value (within
 * the SDM's 1.5 * 2^-12);
 * <li>DPPS/DPPD with an unmasked exception may report different MXCSR flags than Intel does;
 * <li>MASKMOVQ/MASKMOVDQU store through {@link FpuHost#storeAtRdi}, #UD while the core does
 * not provide it.
 * </ul>
 */
public final class FpuUnit {

    /** CPUID.1:EDX bits this unit implements: FPU (0), MMX (23), FXSR (24), SSE (25), SSE2 (26). */
    public static final int CPUID1_EDX = 1 | 1 << 23 | 1 << 24 | 1 << 25 | 1 << 26;
    /** CPUID.1:ECX bits this unit implements: SSE3 (0), SSSE3 (9), SSE4.1 (19). */
    public static final int CPUID1_ECX = 1 | 1 << 9 | 1 << 19;

    private final Simd c = new Simd();
    private final X87 x87 = new X87(c);

    public FpuUnit() {
        reset();
    }

    /**
     * Whether 0F {@code opcode} belongs to this unit (the rest of map 0x0f is the core's:
     * system, Jcc, SETcc, CMOVcc, bit ops, MOVZX/MOVSX, CMPXCHG, XADD, BSWAP, SHLD/SHRD, IMUL,
     * CPUID, RDTSC, PUSH/POP FS/GS, NOP hints 18-1F and 0D, MOVNTI C3, group 9 C7, and 0F AE
     * with mod=11 (fences) or /7 (CLFLUSH)). For 0F AE the unit takes /0-/3 with a memory
     * operand (FXSAVE, FXRSTOR, LDMXCSR, STMXCSR).
     */
    public static boolean ownsTwoByte(int opcode, int modrm) {
        if (opcode == 0xae) {
            return (modrm >> 6) != 3 && ((modrm >> 3) & 7) <= 3;
        }
        return (opcode >= 0x10 && opcode <= 0x17) || (opcode >= 0x28 && opcode <= 0x2f)
                || (opcode >= 0x50 && opcode <= 0x7f) || opcode == 0xc2 || (opcode >= 0xc4 && opcode <= 0xc6)
                || opcode >= 0xd0 && opcode != 0xff;
    }

    /** Whether the instruction has an imm8 after its ModRM/displacement. */
    public static boolean hasImm8(int map, int opcode) {
        if (map == 0x0f3a) {
            return true;
        }
        return map == 0x0f && ((opcode >= 0x70 && opcode <= 0x73) || opcode == 0xc2 || opcode == 0xc4
                || opcode == 0xc5 || opcode == 0xc6);
    }

    /**
     * Executes one instruction. Raises #UD through {@code host.fault(6)} for an opcode it does
     * not implement (after logging it once), #NM when CR0.TS (or CR0.EM for x87/MMX) says so,
     * #UD for SSE when CR4.OSFXSR is clear or CR0.EM is set, and #XM/#UD or #MF as the
     * architecture defines for unmasked exceptions.
     */
    public void execute(SimdInsn insn, FpuHost host) {
        c.host = host;
        c.insn = insn;
        if (insn.map() == 0) {
            x87.execute();
        } else if (insn.map() == 0x0f) {
            twoByte(insn.opcode());
        } else if (Ssse3.owns(insn.map(), insn.opcode())) {
            Ssse3.exec(c);
        } else if (Sse41.owns(insn.map(), insn.opcode())) {
            Sse41.exec(c);
        } else {
            throw c.unimplemented();
        }
    }

    private void twoByte(int op) {
        SimdInsn in = c.insn;
        int p = in.prefix();
        switch (op) {
            case 0x10, 0x11 -> SseMove.movups(c, op == 0x11);
            case 0x12, 0x13, 0x16, 0x17 -> SseMove.half(c, op);
            case 0x14, 0x15 -> SseMove.unpck(c, op == 0x15);
            case 0x28, 0x29 -> {
                if (p != 0 && p != 0x66) {
                    throw c.ud();
                }
                SseMove.movFull(c, op == 0x29, true);
            }
            case 0x2a -> SseConvert.cvt2a(c);
            case 0x2b -> {
                if (p != 0 && p != 0x66) {
                    throw c.ud();
                }
                SseMove.movnt(c);
            }
            case 0x2c, 0x2d -> SseConvert.cvt2c(c, op == 0x2c);
            case 0x2e, 0x2f -> SseArith.comis(c, op);
            case 0x50 -> SseMove.movmsk(c);
            case 0x51, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f -> SseArith.arith(c, op);
            case 0x52, 0x53 -> SseArith.reciprocal(c, op);
            case 0x5a -> SseConvert.cvt5a(c);
            case 0x5b -> SseConvert.cvt5b(c);
            case 0x6e -> {
                if (p == 0x66) {
                    SseMove.movdToXmm(c);
                } else if (p == 0) {
                    SimdInt.mmxMove(c, op);
                } else {
                    throw c.ud();
                }
            }
            case 0x7e -> {
                if (p == 0x66 || p == 0xf3) {
                    SseMove.movdFromXmm(c);
                } else if (p == 0) {
                    SimdInt.mmxMove(c, op);
                } else {
                    throw c.ud();
                }
            }
            case 0x6f, 0x7f -> {
                switch (p) {
                    case 0 -> SimdInt.mmxMove(c, op);
                    case 0x66 -> SseMove.movFull(c, op == 0x7f, true);
                    case 0xf3 -> SseMove.movFull(c, op == 0x7f, false);
                    default -> throw c.ud();
                }
            }
            case 0x70 -> SimdInt.pshuf(c);
            case 0x71, 0x72, 0x73 -> SimdInt.shiftImm(c, op);
            case 0x77 -> SimdInt.emms(c);
            case 0x7c, 0x7d, 0xd0 -> SseArith.horizontal(c, op);
            case 0xae -> FxSave.exec(c);
            case 0xc2 -> SseArith.compare(c);
            case 0xc4 -> SimdInt.pinsrw(c);
            case 0xc5 -> SimdInt.pextrw(c);
            case 0xc6 -> SseMove.shuf(c);
            case 0xd6 -> SseMove.d6(c);
            case 0xd7 -> SimdInt.pmovmskb(c);
            case 0xe6 -> SseConvert.cvtE6(c);
            case 0xe7 -> {
                if (p == 0x66) {
                    SseMove.movnt(c);
                } else if (p == 0) {
                    SimdInt.mmxMove(c, op);
                } else {
                    throw c.ud();
                }
            }
            case 0xf0 -> SseMove.lddqu(c);
            case 0xf7 -> SseMove.maskmov(c);
            default -> {
                if ((op >= 0x60 && op <= 0x6d) || PackedInt.isLaneWise(op) || SimdInt.isShiftByReg(op)) {
                    SimdInt.binary(c, op);
                } else {
                    throw c.unimplemented();
                }
            }
        }
    }

    /**
     * The XMM register file itself ({@code [2*i]} the low quadword of XMMi, {@code [2*i+1]} the
     * high one), for translated code's inline register-to-register forms. The array is this unit's
     * for its whole life.
     */
    public long[] xmm() {
        return c.s.xmm;
    }

    /** MXCSR, for translated code that decides whether its inline arithmetic is exact. */
    public int mxcsr() {
        return c.s.mxcsr;
    }

    /** Power-on/INIT state (FCW 0x37f, MXCSR 0x1f80, registers zero). */
    public void reset() {
        c.s.reset();
    }

    public FpuState save() {
        return new FpuState(c.s.fxsave(true));
    }

    /**
     * Loads a 512-byte FXSAVE image (64-bit layout). Reserved MXCSR bits are cleared rather than
     * refused: the image comes from the VMM (a snapshot), not the guest.
     */
    public void restore(FpuState state) {
        byte[] b = state.fxsave();
        SimdState.put(b, 24, 4, SimdState.get(b, 24, 4) & SimdState.MXCSR_MASK);
        c.s.fxrstor(b, true);
    }
}
