package vmm.x86.emu.internal.decode;

import vmm.x86.emu.internal.fpu.SimdInsn;

/**
 * One decoded instruction: what to do ({@link #op}, {@link #sub}, {@link #cc}) and its operands
 * resolved as far as decoding allows. Effective addresses are computed at execution from
 * {@link #base}, {@link #index}, {@link #scale} and {@link #disp}, because register values
 * (and, for RIP-relative operands, the linear RIP) are only known then. Immutable once its block
 * is published.
 */
public final class Insn {
    public int op;
    public int sub;
    public int cc;
    public int len;
    /** Operand size in bytes: 1, 2, 4 or 8. */
    public int osz;
    /** Address size in bytes: 2, 4 or 8. */
    public int asz;
    /** ModRM.reg (+REX.R); for byte operands 16-19 mean AH, CH, DH, BH. */
    public int reg;
    /** ModRM.rm (+REX.B) when the operand is a register, with the same byte-register rule. */
    public int rm;
    public boolean mem;
    public int base = -1;
    public int index = -1;
    public int scale;
    public long disp;
    public boolean ripRel;
    /** The segment of the memory operand (override or default). */
    public int seg;
    /** Whether a segment override prefix was present (string sources, XLAT honour it). */
    public boolean segOverride;
    public long imm;
    public long imm2;
    /** 0, 0xf3 (REP/REPE) or 0xf2 (REPNE). */
    public int rep;
    public boolean lock;
    /** The instruction ends its block (a branch or something that changes the mode). */
    public boolean endsBlock;
    public SimdInsn simd;
    /** The instruction bytes, kept for the once-per-opcode #UD log line. */
    public byte[] bytes;

    @Override
    public String toString() {
        return "Insn[op=" + op + " sub=" + sub + " len=" + len + " osz=" + osz + " asz=" + asz + " reg=" + reg
                + " rm=" + rm + " mem=" + mem + "]";
    }
}
