package vmm.x86.emu.internal.fpu;

import vmm.core.hypervisor.state.FpuState;

/**
 * The x87 FPU, MMX and SSE/SSE2 state of one vCPU and the instructions on it.
 *
 * <p>The integer core routes here: the one-byte escapes D8-DF and 9B (FWAIT); in map 0x0f every
 * opcode it does not own itself (see {@link #ownsTwoByte}); all of maps 0x0f38 and 0x0f3a.
 * Every SIMD opcode routed here has a ModRM byte except 0F 77 (EMMS) and 9B.
 */
public final class FpuUnit {

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
        throw host.fault(6);
    }

    /** Power-on/INIT state (FCW 0x37f, MXCSR 0x1f80, registers zero). */
    public void reset() {
    }

    public FpuState save() {
        return new FpuState(new byte[FpuState.SIZE]);
    }

    public void restore(FpuState state) {
    }
}
