package vmm.core.hypervisor.state;

import java.util.Arrays;

/**
 * The general registers, in the architectural order RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
 * R8-R15, plus RIP and RFLAGS.
 */
public record Registers(long[] gpr, long rip, long rflags) {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

    public Registers {
        if (gpr.length != 16) {
            throw new IllegalArgumentException("16 general registers expected, got " + gpr.length);
        }
        gpr = gpr.clone();
    }

    @Override
    public long[] gpr() {
        return gpr.clone();
    }

    public long gpr(int index) {
        return gpr[index];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Registers r && Arrays.equals(gpr, r.gpr) && rip == r.rip && rflags == r.rflags;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(gpr) * 31 + Long.hashCode(rip) * 17 + Long.hashCode(rflags);
    }
}
