package vmm.x86.emu.internal.jit;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.exec.FpuBridge;

/**
 * A block translated to JVM bytecode: the superclass of the hidden classes {@link Translator}
 * defines, one per hot block and vCPU. The instructions it does not inline it hands to the
 * interpreter's handlers, so it keeps the block's decoded instructions.
 */
public abstract class Compiled {
    protected final Insn[] insns;
    protected final FpuBridge fpu;

    protected Compiled(Insn[] insns, FpuBridge fpu) {
        this.insns = insns;
        this.fpu = fpu;
    }

    /**
     * Runs the block (or the prefix of it that was translated) from {@code c.rip}, and again while it
     * branches back to its own start, at most {@code budget} times in all. Returns the number of instructions retired. On return
     * {@code c.rip}, the registers and the lazy flags are the architectural state; a handler's
     * request to stop is left in {@code c.stop}. A guest fault propagates with the state of the
     * faulting instruction's start.
     */
    public abstract long run(Cpu c, int budget);
}
