package vmm.x86.emu.internal.fpu;

/**
 * One x87/MMX/SSE instruction as the integer core decoded it, for {@link FpuUnit#execute}.
 *
 * @param map          0x0f, 0x0f38, 0x0f3a for two- and three-byte opcodes; 0 for the one-byte
 *                     x87 escapes D8-DF and FWAIT (9B)
 * @param opcode       the last opcode byte
 * @param prefix       the mandatory prefix in effect: 0, 0x66, 0xf3 or 0xf2 (F2/F3 win over 66)
 * @param modrm        the ModRM byte, or -1 for opcodes without one (FWAIT, EMMS)
 * @param reg          ModRM.reg extended by REX.R (0-15)
 * @param rm           ModRM.rm extended by REX.B (0-15) when {@code memory} is false
 * @param memory       the r/m operand is memory (its address is in the {@link FpuHost})
 * @param rexW         REX.W was present
 * @param operandSize  2, 4 or 8: the integer operand size (for MOVD/MOVQ, CVT*SI, PEXTRW...)
 * @param imm8         the immediate byte for opcodes that have one ({@link FpuUnit#hasImm8}), else 0
 */
public record SimdInsn(int map, int opcode, int prefix, int modrm, int reg, int rm, boolean memory,
                       boolean rexW, int operandSize, int imm8) {
}
