package vmm.x86.emu.diff;

/**
 * What the SDM leaves undefined for one case: flag bits, bits of one register, bytes of the
 * data window. These are masked out of the comparison and nothing else is.
 *
 * @param flags   RFLAGS bits not compared
 * @param reg     the register with undefined bits, or -1
 * @param regBits those bits
 * @param memOff  first undefined byte of the window, or -1
 * @param memLen  how many
 */
record Undef(long flags, int reg, long regBits, int memOff, int memLen) {
    static final Undef NONE = new Undef(0, -1, 0, -1, 0);

    static Undef flags(long flags) {
        return new Undef(flags, -1, 0, -1, 0);
    }

    Undef withReg(int r, long bits) {
        return new Undef(flags, r, bits, memOff, memLen);
    }

    Undef withMem(int off, int len) {
        return new Undef(flags, reg, regBits, off, len);
    }

    /** How a form computes its undefined parts from its input. */
    @FunctionalInterface
    interface Rule {
        Undef of(CaseInput in);

        static Rule none() {
            return in -> NONE;
        }

        static Rule flags(long f) {
            Undef u = Undef.flags(f);
            return in -> u;
        }
    }
}
