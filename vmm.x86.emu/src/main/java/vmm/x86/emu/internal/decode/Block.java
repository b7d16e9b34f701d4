package vmm.x86.emu.internal.decode;

/**
 * Instructions decoded from one guest-physical address in one code size, up to a branch, 32
 * instructions or the page end. Valid while its page's generation is unchanged.
 */
public final class Block {
    public final long phys;
    public final int mode;
    public final int generation;
    public final Insn[] insns;

    public Block(long phys, int mode, int generation, Insn[] insns) {
        this.phys = phys;
        this.mode = mode;
        this.generation = generation;
        this.insns = insns;
    }
}
