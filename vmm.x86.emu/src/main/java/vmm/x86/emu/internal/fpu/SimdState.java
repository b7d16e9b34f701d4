package vmm.x86.emu.internal.fpu;

/**
 * The register file: x87 data registers (by physical number), TOP, status/control/tag, the
 * last-instruction pointers (kept only so that FXSAVE/FXRSTOR round-trip them), MXCSR and the
 * sixteen XMM registers. MMX registers alias the significands of the x87 physical registers.
 */
final class SimdState {

    static final int DEFAULT_FCW = 0x037f;
    static final int DEFAULT_MXCSR = 0x1f80;
    /** Writable MXCSR bits (DAZ included), as FXSAVE's MXCSR_MASK reports. */
    static final int MXCSR_MASK = 0xffff;

    /** xmm[2*i] is the low quadword of XMMi, xmm[2*i+1] the high one. */
    final long[] xmm = new long[32];
    /** x87 physical registers R0-R7: 64-bit significand and sign/exponent word. */
    final long[] mant = new long[8];
    final int[] se = new int[8];
    /** Bit i set: physical register Ri is empty. */
    int empty = 0xff;
    int top;
    /** The status word without TOP (bits 11-13 are kept zero here). */
    int fsw;
    int fcw = DEFAULT_FCW;
    int mxcsr = DEFAULT_MXCSR;
    int fop;
    long fip;
    long fdp;
    int fcs;
    int fds;

    void reset() {
        java.util.Arrays.fill(xmm, 0);
        java.util.Arrays.fill(mant, 0);
        java.util.Arrays.fill(se, 0);
        empty = 0xff;
        top = 0;
        fsw = 0;
        fcw = DEFAULT_FCW;
        mxcsr = DEFAULT_MXCSR;
        fop = 0;
        fip = 0;
        fdp = 0;
        fcs = 0;
        fds = 0;
    }

    int phys(int i) {
        return (top + i) & 7;
    }

    boolean isEmpty(int i) {
        return (empty & (1 << phys(i))) != 0;
    }

    int statusWord() {
        return (fsw & ~0x3800) | (top << 11);
    }

    /** The full two-bit-per-register tag word, computed from the register contents. */
    int tagWord() {
        int tw = 0;
        for (int r = 0; r < 8; r++) {
            int t;
            if ((empty & (1 << r)) != 0) {
                t = 3;
            } else {
                int e = se[r] & 0x7fff;
                long m = mant[r];
                if (e == 0x7fff || (e == 0 && m != 0) || (e != 0 && m >= 0)) {
                    t = 2;
                } else if (e == 0) {
                    t = 1;
                } else {
                    t = 0;
                }
            }
            tw |= t << (2 * r);
        }
        return tw;
    }

    void setTagWord(int tw) {
        empty = 0;
        for (int r = 0; r < 8; r++) {
            if (((tw >> (2 * r)) & 3) == 3) {
                empty |= 1 << r;
            }
        }
    }

    /** FXSAVE's abridged tag: bit i set when Ri is not empty. */
    int abridgedTag() {
        return ~empty & 0xff;
    }

    // ---- the FXSAVE image (64-bit layout: FIP/FDP as 8-byte offsets) ----

    byte[] fxsave(boolean rex64) {
        byte[] b = new byte[512];
        put(b, 0, 2, fcw);
        put(b, 2, 2, statusWord());
        put(b, 4, 1, abridgedTag());
        put(b, 6, 2, fop);
        if (rex64) {
            put(b, 8, 8, fip);
            put(b, 16, 8, fdp);
        } else {
            put(b, 8, 4, fip);
            put(b, 12, 2, fcs);
            put(b, 16, 4, fdp);
            put(b, 20, 2, fds);
        }
        put(b, 24, 4, mxcsr);
        put(b, 28, 4, MXCSR_MASK);
        for (int i = 0; i < 8; i++) {
            int r = phys(i);
            put(b, 32 + 16 * i, 8, mant[r]);
            put(b, 40 + 16 * i, 2, se[r]);
        }
        for (int i = 0; i < 32; i++) {
            put(b, 160 + 8 * i, 8, xmm[i]);
        }
        return b;
    }

    /** Loads an FXSAVE image; MXCSR must already have been checked by the caller. */
    void fxrstor(byte[] b, boolean rex64) {
        fcw = (int) get(b, 0, 2);
        int sw = (int) get(b, 2, 2);
        top = (sw >> 11) & 7;
        fsw = sw & ~0x3800;
        empty = ~(int) get(b, 4, 1) & 0xff;
        fop = (int) get(b, 6, 2) & 0x7ff;
        if (rex64) {
            fip = get(b, 8, 8);
            fdp = get(b, 16, 8);
        } else {
            fip = get(b, 8, 4);
            fcs = (int) get(b, 12, 2);
            fdp = get(b, 16, 4);
            fds = (int) get(b, 20, 2);
        }
        mxcsr = (int) get(b, 24, 4);
        for (int i = 0; i < 8; i++) {
            int r = phys(i);
            mant[r] = get(b, 32 + 16 * i, 8);
            se[r] = (int) get(b, 40 + 16 * i, 2);
        }
        for (int i = 0; i < 32; i++) {
            xmm[i] = get(b, 160 + 8 * i, 8);
        }
    }

    static void put(byte[] b, int off, int size, long v) {
        for (int i = 0; i < size; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static long get(byte[] b, int off, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }
}
