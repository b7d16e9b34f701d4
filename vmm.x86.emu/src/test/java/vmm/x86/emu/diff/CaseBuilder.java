package vmm.x86.emu.diff;

import java.util.Random;

/** A case being built: the random base state that a form's generator then refines. */
final class CaseBuilder {
    final long[] gpr = new long[16];
    long rflags;
    final byte[] mem;

    CaseBuilder(Random rnd, boolean usesMem) {
        for (int i = 0; i < 16; i++) {
            gpr[i] = Values.random64(rnd);
        }
        gpr[Layout.RBX] = Layout.MEM_PTR;
        gpr[Layout.RSP] = Layout.STACK;
        rflags = 2 | (rnd.nextLong() & Layout.ARITH);
        mem = new byte[usesMem ? Layout.MEM_LEN : 0];
        rnd.nextBytes(mem);
    }

    void setFlag(long flag, boolean on) {
        rflags = on ? rflags | flag : rflags & ~flag;
    }

    boolean flag(long flag) {
        return (rflags & flag) != 0;
    }

    /** Sets the low {@code width} bits of a register, keeping the others. */
    void setLow(int reg, int width, long value) {
        long m = Values.mask(width);
        gpr[reg] = (gpr[reg] & ~m) | (value & m);
    }

    /** Sets bits 15:8 (AH, CH, DH, BH). */
    void setHigh8(int reg, long value) {
        gpr[reg] = (gpr[reg] & ~0xff00L) | ((value & 0xff) << 8);
    }

    /** The window offset of [rbx+disp]. */
    static int off(int disp) {
        return (int) (Layout.MEM_PTR - Layout.MEM_BASE) + disp;
    }

    void setMem(int disp, int width, long value) {
        int o = off(disp);
        for (int i = 0; i < width / 8; i++) {
            mem[o + i] = (byte) (value >>> (8 * i));
        }
    }

    long getMem(int disp, int width) {
        int o = off(disp);
        long v = 0;
        for (int i = 0; i < width / 8; i++) {
            v |= (mem[o + i] & 0xffL) << (8 * i);
        }
        return v;
    }

    CaseInput build(int form) {
        return new CaseInput(form, gpr.clone(), rflags, mem.clone());
    }
}
