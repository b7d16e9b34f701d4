package vmm.x86.emu.internal.exec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Mem;
import vmm.x86.emu.internal.cpu.PhysMem;
import vmm.x86.emu.internal.decode.Block;
import vmm.x86.emu.internal.decode.Decoder;
import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.jit.Compiled;
import vmm.x86.emu.internal.jit.Jit;

/**
 * The block loop: finds (or decodes) the block at CS:RIP through the fetch TLB and a
 * direct-mapped cache keyed by physical address and code size, runs its instructions, and
 * returns to the vCPU loop when a handler asked to stop (a mode change, an interrupt-flag change,
 * HLT, a write to code) or the budget of blocks is spent. Guest faults propagate to the caller
 * with RIP at the faulting instruction.
 */
public final class Interpreter {
    /**
     * Instructions per block at most. Long enough that a compute loop of a few dozen instructions is
     * one block, which its translation runs round inside one method; a translation too large for
     * HotSpot translates a prefix of the block instead.
     */
    public static final int MAX_BLOCK = 64;
    private static final int CACHE_SIZE = 65536;
    private static final int WINDOW = MAX_BLOCK * 15;

    private final Cpu c;
    private final Mem mem;
    private final PhysMem phys;
    private final Decoder decoder = new Decoder();
    private final Block[] cache = new Block[CACHE_SIZE];
    private final byte[] code = new byte[WINDOW + 16];
    private final Insn[] scratch = new Insn[MAX_BLOCK];
    private final FpuBridge fpu;
    private final Jit jit;
    public long instructions;

    public Interpreter(Cpu c) {
        this.c = c;
        this.mem = c.mem;
        this.phys = mem.phys();
        this.fpu = new FpuBridge(c);
        this.jit = Jit.create(fpu);
    }

    /** Drops every cached block (a reset, a restored state). */
    public void flush() {
        java.util.Arrays.fill(cache, null);
    }

    /**
     * Runs up to {@code maxBlocks} blocks; with {@code single} set, exactly one instruction (used
     * after STI/MOV SS so that the interrupt shadow covers one instruction).
     */
    public void run(int maxBlocks, boolean single) {
        Cpu c = this.c;
        // Pages other vCPUs marked as code since the last batch lose their fast write mappings here.
        mem.checkCodeEpoch();
        Block b = lookup();
        for (int n = 0; ; ) {
            long startLin = lastLinear;
            Insn[] insns = b.insns;
            if (jit != null && !single) {
                Compiled compiled = b.compiled;
                if (compiled == null) {
                    jit.count(b);
                    compiled = b.compiled;
                }
                if (compiled != null) {
                    long done = compiled.run(c, maxBlocks - n);
                    instructions += done;
                    if (c.stop) {
                        c.stop = false;
                        return;
                    }
                    // A pass through the block counts one; only a loop round inside the method
                    // pays for the division (a block exit happens millions of times a second).
                    int len = insns.length;
                    n += done <= len ? 1 : (int) ((done + len - 1) / len);
                    if (n >= maxBlocks) {
                        return;
                    }
                    b = chain(b, startLin);
                    continue;
                }
            }
            int count = single ? 1 : insns.length;
            instructions += interpret(c, insns, count, fpu);
            if (c.stop) {
                c.stop = false;
                return;
            }
            if (single || ++n >= maxBlocks) {
                return;
            }
            b = chain(b, startLin);
        }
    }

    /**
     * Runs the first {@code count} instructions of a block and returns how many ran: fewer when
     * one asked to stop. A method of its own so that only its few locals live across each call
     * of {@link Exec#execute} (HotSpot saves no register across a call: in the block loop, a
     * dozen of its locals were reloaded and stored again around every guest instruction).
     */
    private static int interpret(Cpu c, Insn[] insns, int count, FpuBridge fpu) {
        for (int k = 0; k < count; k++) {
            Insn i = insns[k];
            c.nextRip = c.rip + i.len;
            Exec.execute(c, i, fpu);
            c.rip = c.nextRip;
            if (c.stop) {
                return k + 1;
            }
        }
        return count;
    }

    /**
     * The next block: one of the two successors last seen after this one (a conditional branch
     * has two), when it is in the same page and still valid.
     */
    private Block chain(Block b, long startLin) {
        long lin = c.longMode64 ? c.rip : (c.segBase[Cpu.CS] + c.rip) & 0xffffffffL;
        if (((lin ^ startLin) & ~0xfffL) == 0
                && (c.longMode64 || Long.compareUnsigned(c.rip, c.segLimit[Cpu.CS] & 0xffffffffL) <= 0)) {
            // Same page as b, so the same generation: b's was current when b began (checked by the
            // lookup that began this batch, then link by link), and a write to the page since then
            // would have ended the batch (cpu.stop). Comparing with b saves a load from the page table
            // of generations at every block boundary.
            return linked(b, (b.phys & ~0xfffL) | (lin & 0xfff), lin, b.generation);
        }
        if (c.longMode64) {
            // Another page: where the TLB maps it now, checked against that page's generation
            // (a call or return between kernel functions goes here, no cache probe needed).
            long pa = mem.fetchPhys(lin);
            return linked(b, pa, lin, phys.generation(pa));
        }
        return lookup();
    }

    /** b's successor at {@code pa} when one of its two links is valid there, else a lookup (linked then). */
    private Block linked(Block b, long pa, long lin, int generation) {
        Block nb = b.next;
        if (nb == null || nb.phys != pa) {
            nb = b.next2;
        }
        if (nb != null && nb.phys == pa && nb.mode == c.codeSize && nb.generation == generation
                && (nb.phys2 < 0 || secondPageValid(nb, lin))) {
            lastLinear = lin;
            return nb;
        }
        return lookupAndLink(b);
    }

    private Block lookupAndLink(Block b) {
        Block nb = lookup();
        if (nb.generation >= 0 && b.generation >= 0) {
            b.next2 = b.next;
            b.next = nb;
        }
        return nb;
    }

    private long lastLinear;

    /** Whether a block whose instruction runs into the next page still sees that page's bytes. */
    private boolean secondPageValid(Block b, long lin) {
        long lin2 = (lin | 0xfff) + 1;
        long pa2 = mem.fetchPhys(c.longMode64 ? lin2 : lin2 & 0xffffffffL);
        return pa2 == b.phys2 && b.generation2 == phys.generation(pa2);
    }

    private Block lookup() {
        long lin;
        if (c.longMode64) {
            lin = c.rip;
        } else {
            if (Long.compareUnsigned(c.rip, c.segLimit[Cpu.CS] & 0xffffffffL) > 0 && c.pe()) {
                throw c.gp(0);
            }
            lin = (c.segBase[Cpu.CS] + c.rip) & 0xffffffffL;
        }
        long pa = mem.fetchPhys(lin);
        lastLinear = lin;
        int mode = c.codeSize;
        int idx = (int) ((pa ^ (pa >>> 13) ^ mode) & (CACHE_SIZE - 1));
        Block b = cache[idx];
        if (b != null && b.phys == pa && b.mode == mode && b.generation == phys.generation(pa)
                && (b.phys2 < 0 || secondPageValid(b, lin))) {
            return b;
        }
        b = decode(lin, pa, mode);
        if (b.generation >= 0) {
            cache[idx] = b;
        }
        return b;
    }

    private Block decode(long lin, long pa, int mode) {
        int inPage = 4096 - (int) (pa & 0xfff);
        int avail = Math.min(inPage, WINDOW);
        int reg = phys.region(pa, avail);
        int generation;
        if (reg >= 0) {
            // Mark first, then copy: a write racing with the copy bumps the generation.
            generation = phys.markCode(pa);
            MemorySegment.copy(phys.segment(reg), ValueLayout.JAVA_BYTE, phys.offset(reg, pa), code, 0, avail);
            mem.checkCodeEpoch();
        } else {
            // Code outside RAM (a ROM device, or nothing): decoded each time, never cached.
            generation = -1;
            for (int k = 0; k < avail; k++) {
                code[k] = (byte) mem.readPhys(pa + k, 1);
            }
        }
        int n = 0;
        int pos = 0;
        while (n < MAX_BLOCK && pos < avail) {
            Insn i = new Insn();
            try {
                decoder.decode(code, pos, avail, mode, i);
            } catch (RuntimeException e) {
                if (e != Decoder.TRUNCATED) {
                    throw e;
                }
                if (n > 0 || avail < inPage) {
                    break;
                }
                // The first instruction runs into the next page: fetch it (which may fault there).
                // The block is cached when both pages are RAM, valid while the next page keeps its
                // frame and generation (checked at each lookup).
                long lin2 = lin + inPage;
                long pa2 = mem.fetchPhys(c.longMode64 ? lin2 : lin2 & 0xffffffffL);
                int generation2 = -1;
                if (generation >= 0 && phys.region(pa2, 15) >= 0) {
                    generation2 = phys.markCode(pa2);
                    mem.checkCodeEpoch();
                }
                for (int k = 0; k < 15; k++) {
                    code[avail + k] = (byte) mem.readPhys(pa2 + k, 1);
                }
                decoder.decode(code, pos, avail + 15, mode, i);
                return new Block(pa, mode, generation2 < 0 ? -1 : generation, new Insn[] {i}, pa2, generation2);
            }
            scratch[n++] = i;
            pos += i.len;
            if (i.endsBlock) {
                break;
            }
        }
        return new Block(pa, mode, generation, java.util.Arrays.copyOf(scratch, n));
    }
}
