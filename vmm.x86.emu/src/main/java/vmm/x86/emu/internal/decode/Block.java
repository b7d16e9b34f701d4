package vmm.x86.emu.internal.decode;

/**
 * Instructions decoded from one guest-physical address in one code size, up to a branch, 64
 * instructions or the page end. Valid while its page's generation is unchanged (and, for an
 * instruction that runs into the next page, that page's frame and generation).
 */
public final class Block {
    public final long phys;
    public final int mode;
    public final int generation;
    public final Insn[] insns;
    /**
     * The block that last followed this one in the same page (chaining). Only used when the
     * successor starts in the same linear page as this block did, so its translation is this
     * block's; anything that changes translations ends the interpreter's batch first.
     */
    public Block next;
    /** The successor seen before {@link #next} (the other way out of a conditional branch). */
    public Block next2;
    /** Executions counted towards translation to bytecode; negative once translation was asked for. */
    public int hits;
    /** The block translated to JVM bytecode (set by the JIT, possibly from its own thread). */
    public volatile vmm.x86.emu.internal.jit.Compiled compiled;

    /** The next page's frame when the block's one instruction runs into it, else -1. */
    public final long phys2;
    /** That page's generation when the block was decoded. */
    public final int generation2;

    public Block(long phys, int mode, int generation, Insn[] insns) {
        this(phys, mode, generation, insns, -1, 0);
    }

    public Block(long phys, int mode, int generation, Insn[] insns, long phys2, int generation2) {
        this.phys = phys;
        this.mode = mode;
        this.generation = generation;
        this.insns = insns;
        this.phys2 = phys2;
        this.generation2 = generation2;
    }
}
