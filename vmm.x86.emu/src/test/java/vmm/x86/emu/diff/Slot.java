package vmm.x86.emu.diff;

import java.util.Random;

/** One operand of a form: where its value goes and which edge values it takes. */
interface Slot {
    /** Number of curated values. */
    int choices();

    /** Sets choice {@code c} in [0, choices()), or a random value when {@code c} is -1. */
    void set(CaseBuilder b, Random rnd, int c);

    /** The low {@code width} bits of a general register. */
    static Slot reg(int reg, int width) {
        long[] pool = Values.pool(width);
        return new Slot() {
            @Override
            public int choices() {
                return pool.length;
            }

            @Override
            public void set(CaseBuilder b, Random rnd, int c) {
                b.setLow(reg, width, c < 0 ? Values.random(rnd, width) : pool[c]);
            }
        };
    }

    /** AH, CH, DH or BH. */
    static Slot high8(int reg) {
        long[] pool = Values.pool(8);
        return new Slot() {
            @Override
            public int choices() {
                return pool.length;
            }

            @Override
            public void set(CaseBuilder b, Random rnd, int c) {
                b.setHigh8(reg, c < 0 ? Values.random(rnd, 8) : pool[c]);
            }
        };
    }

    /** {@code width} bits at [rbx+disp]. */
    static Slot mem(int disp, int width) {
        long[] pool = Values.pool(width);
        return new Slot() {
            @Override
            public int choices() {
                return pool.length;
            }

            @Override
            public void set(CaseBuilder b, Random rnd, int c) {
                b.setMem(disp, width, c < 0 ? Values.random(rnd, width) : pool[c]);
            }
        };
    }

    /** A status flag, clear and set. */
    static Slot flag(long flag) {
        return new Slot() {
            @Override
            public int choices() {
                return 2;
            }

            @Override
            public void set(CaseBuilder b, Random rnd, int c) {
                b.setFlag(flag, c < 0 ? rnd.nextBoolean() : c == 1);
            }
        };
    }

    /** A shift count in CL (the rest of RCX random). */
    static Slot countCl() {
        return new Slot() {
            @Override
            public int choices() {
                return Values.COUNTS.length;
            }

            @Override
            public void set(CaseBuilder b, Random rnd, int c) {
                b.setLow(Layout.RCX, 8, c < 0 ? rnd.nextInt(256) : Values.COUNTS[c]);
            }
        };
    }

    /** A register that takes one of the given values (all bits). */
    static Slot oneOf(int reg, long... values) {
        return new Slot() {
            @Override
            public int choices() {
                return values.length;
            }

            @Override
            public void set(CaseBuilder b, Random rnd, int c) {
                b.gpr[reg] = values[c < 0 ? rnd.nextInt(values.length) : c];
            }
        };
    }
}
