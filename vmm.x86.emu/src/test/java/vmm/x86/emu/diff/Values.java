package vmm.x86.emu.diff;

import java.util.Random;

/** Operand values: the edge values of each width, and random ones biased towards them. */
final class Values {
    private Values() {
    }

    static long mask(int width) {
        return width == 64 ? -1L : (1L << width) - 1;
    }

    /** Zero, one, two, all ones, minus two, the signed boundaries, bit patterns, a nibble carry. */
    static long[] pool(int width) {
        long m = mask(width);
        long smin = 1L << (width - 1);
        return new long[] {0, 1, 2, m, m - 1, smin, smin - 1, smin + 1,
                0x5555555555555555L & m, 0xaaaaaaaaaaaaaaaaL & m, 0x0f0f0f0f0f0f0f0fL & m, 8};
    }

    /** Shift and rotate counts: 0, 1, around each width, and counts the CPU masks. */
    static final long[] COUNTS = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255};

    /** A value of {@code width} bits: an edge value half of the time, else random bits. */
    static long random(Random rnd, int width) {
        long[] p = pool(width);
        return switch (rnd.nextInt(4)) {
            case 0, 1 -> p[rnd.nextInt(p.length)];
            case 2 -> rnd.nextLong() & mask(width);
            default -> (p[rnd.nextInt(p.length)] + rnd.nextInt(5) - 2) & mask(width);
        };
    }

    /** A 64-bit register value for the base state. */
    static long random64(Random rnd) {
        return rnd.nextInt(4) == 0 ? random(rnd, 64) : rnd.nextLong();
    }
}
