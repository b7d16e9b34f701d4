package vmm.x86.emu.internal.jit;

import java.util.ArrayList;
import java.util.List;

import vmm.x86.emu.internal.decode.Block;
import vmm.x86.emu.internal.decode.Insn;

/**
 * What one translated method covers: a hot block, and in 64-bit code the blocks of the loops
 * through it in the same page (found through the interpreter's successor links), so that a loop of several
 * blocks (a byte scan with an early exit, a decompressor's inner loop) runs inside one method
 * instead of leaving it at every branch. Offsets are bytes from the head block's first
 * instruction, so a branch whose target is another member's start becomes a jump in the method.
 *
 * <p>Members share the head's page, and so its generation: a write to the page invalidates the
 * head, which holds the translation, and ends the batch, as for a single block.
 *
 * @param insns  the members' instructions, the head's first
 * @param off    each instruction's offset from the head's start
 * @param starts the index in {@code insns} of each member's first instruction
 */
record Region(Insn[] insns, int[] off, int[] starts) {
    /** At most this many blocks, and instructions, in one region (HotSpot's method size is the other limit). */
    static final int MAX_BLOCKS = 8, MAX_INSNS = 128;
    /** {@code -Dvmm.emu.jit.regions=false} translates each block alone. */
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("vmm.emu.jit.regions", "true"));

    /** A block alone. */
    static Region single(Insn[] insns) {
        int[] off = new int[insns.length];
        int o = 0;
        for (int k = 0; k < insns.length; k++) {
            off[k] = o;
            o += insns[k].len;
        }
        return new Region(insns, off, new int[] {0});
    }

    /**
     * {@code head} and, in 64-bit code, the blocks reachable from it through successor links that
     * start in its page with its code size and generation. Runs on the vCPU thread, which owns the
     * links.
     */
    static Region collect(Block head) {
        if (!ENABLED || head.mode != 8 || head.phys2 >= 0) {
            return single(head.insns);
        }
        // The blocks reachable from the head in its page...
        List<Block> reached = new ArrayList<>();
        reached.add(head);
        for (int m = 0; m < reached.size() && reached.size() < 2 * MAX_BLOCKS; m++) {
            Block b = reached.get(m);
            for (Block nb : new Block[] {b.next, b.next2}) {
                if (nb != null && member(head, nb) && !reached.contains(nb)) {
                    reached.add(nb);
                }
            }
        }
        // ...of which those that lead back to it: the loops through the head. The ways out stay out,
        // which keeps the method small (HotSpot's compile time grows with it, and a boot is short).
        boolean[] loops = new boolean[reached.size()];
        loops[0] = true;
        for (boolean grew = true; grew; ) {
            grew = false;
            for (int m = 1; m < reached.size(); m++) {
                Block b = reached.get(m);
                if (!loops[m] && (leadsTo(b.next, reached, loops) || leadsTo(b.next2, reached, loops))) {
                    loops[m] = true;
                    grew = true;
                }
            }
        }
        List<Block> members = new ArrayList<>();
        int total = 0;
        for (int m = 0; m < reached.size(); m++) {
            Block b = reached.get(m);
            if (loops[m] && members.size() < MAX_BLOCKS && total + b.insns.length <= MAX_INSNS) {
                members.add(b);
                total += b.insns.length;
            }
        }
        if (members.size() == 1) {
            return single(head.insns);
        }
        Insn[] insns = new Insn[total];
        int[] off = new int[total];
        int[] starts = new int[members.size()];
        int k = 0;
        for (int m = 0; m < members.size(); m++) {
            Block b = members.get(m);
            starts[m] = k;
            int o = (int) (b.phys - head.phys);
            for (Insn i : b.insns) {
                insns[k] = i;
                off[k++] = o;
                o += i.len;
            }
        }
        return new Region(insns, off, starts);
    }

    private static boolean leadsTo(Block next, List<Block> reached, boolean[] loops) {
        int m = next == null ? -1 : reached.indexOf(next);
        return m >= 0 && loops[m];
    }

    private static boolean member(Block head, Block b) {
        return (b.phys >>> 12) == (head.phys >>> 12) && b.mode == head.mode && b.generation == head.generation
                && b.generation >= 0 && b.phys2 < 0;
    }

    int blocks() {
        return starts.length;
    }

    /** The index after member {@code j}'s last instruction. */
    int end(int j) {
        return j + 1 < starts.length ? starts[j + 1] : insns.length;
    }

    /** The offset just past member {@code j}'s last instruction (where it falls through to). */
    int endOff(int j) {
        int e = end(j) - 1;
        return off[e] + insns[e].len;
    }

    /** The member that starts at {@code offset}, or -1. */
    int blockAt(long offset) {
        for (int j = 0; j < starts.length; j++) {
            if (off[starts[j]] == offset) {
                return j;
            }
        }
        return -1;
    }

    /** Whether instruction {@code k} is the last of its member. */
    boolean last(int k) {
        if (k == insns.length - 1) {
            return true;
        }
        for (int s : starts) {
            if (s == k + 1) {
                return true;
            }
        }
        return false;
    }

    /** The region cut to its head block (when the whole is too large for one method). */
    Region head() {
        return single(java.util.Arrays.copyOf(insns, end(0)));
    }
}
