package vmm.x86.emu.internal.jit;

/**
 * The SSE2 shifts by an immediate (66 0F 71/72/73: PSRLW/D/Q, PSRAW/D, PSLLW/D/Q, PSRLDQ/PSLLDQ)
 * translated code runs inline, on each quadword at once: the bits a lane shifts into its neighbour
 * are masked off, an arithmetic shift's sign fill is the lane's sign bit times a constant that fits
 * the lane. A count of at least the lane's width clears the lanes (the arithmetic ones fill them
 * with their sign), as the handler's {@code PackedInt.shift} does; the count is the whole imm8.
 */
public final class SseShift {
    private static final long L16 = 0x0001000100010001L, L32 = 0x0000000100000001L;

    private SseShift() {
    }

    public static void psrlw(long[] x, int d, long lo, long hi, int imm) {
        if (imm >= 16) {
            x[2 * d] = 0;
            x[2 * d + 1] = 0;
            return;
        }
        long m = (0xffffL >>> imm) * L16;
        x[2 * d] = (lo >>> imm) & m;
        x[2 * d + 1] = (hi >>> imm) & m;
    }

    public static void psllw(long[] x, int d, long lo, long hi, int imm) {
        if (imm >= 16) {
            x[2 * d] = 0;
            x[2 * d + 1] = 0;
            return;
        }
        long m = ((0xffffL << imm) & 0xffffL) * L16;
        x[2 * d] = (lo << imm) & m;
        x[2 * d + 1] = (hi << imm) & m;
    }

    public static void psraw(long[] x, int d, long lo, long hi, int imm) {
        int n = Math.min(imm, 15);
        long m = (0xffffL >>> n) * L16;
        long fill = 0xffffL & ~(0xffffL >>> n);
        x[2 * d] = (lo >>> n) & m | ((lo >>> 15) & L16) * fill;
        x[2 * d + 1] = (hi >>> n) & m | ((hi >>> 15) & L16) * fill;
    }

    public static void psrld(long[] x, int d, long lo, long hi, int imm) {
        if (imm >= 32) {
            x[2 * d] = 0;
            x[2 * d + 1] = 0;
            return;
        }
        long m = (0xffffffffL >>> imm) * L32;
        x[2 * d] = (lo >>> imm) & m;
        x[2 * d + 1] = (hi >>> imm) & m;
    }

    public static void pslld(long[] x, int d, long lo, long hi, int imm) {
        if (imm >= 32) {
            x[2 * d] = 0;
            x[2 * d + 1] = 0;
            return;
        }
        long m = ((0xffffffffL << imm) & 0xffffffffL) * L32;
        x[2 * d] = (lo << imm) & m;
        x[2 * d + 1] = (hi << imm) & m;
    }

    public static void psrad(long[] x, int d, long lo, long hi, int imm) {
        int n = Math.min(imm, 31);
        long m = (0xffffffffL >>> n) * L32;
        long fill = 0xffffffffL & ~(0xffffffffL >>> n);
        x[2 * d] = (lo >>> n) & m | ((lo >>> 31) & L32) * fill;
        x[2 * d + 1] = (hi >>> n) & m | ((hi >>> 31) & L32) * fill;
    }

    public static void psrlq(long[] x, int d, long lo, long hi, int imm) {
        x[2 * d] = imm >= 64 ? 0 : lo >>> imm;
        x[2 * d + 1] = imm >= 64 ? 0 : hi >>> imm;
    }

    public static void psllq(long[] x, int d, long lo, long hi, int imm) {
        x[2 * d] = imm >= 64 ? 0 : lo << imm;
        x[2 * d + 1] = imm >= 64 ? 0 : hi << imm;
    }

    /** PSRLDQ: the register shifted right by {@code imm} bytes (16 or more clear it). */
    public static void psrldq(long[] x, int d, long lo, long hi, int imm) {
        int bits = 8 * Math.min(imm, 16);
        if (bits == 0) {
            return;
        }
        if (bits < 64) {
            x[2 * d] = lo >>> bits | hi << (64 - bits);
            x[2 * d + 1] = hi >>> bits;
        } else {
            x[2 * d] = bits == 128 ? 0 : hi >>> (bits - 64);
            x[2 * d + 1] = 0;
        }
    }

    /** PSLLDQ: the register shifted left by {@code imm} bytes. */
    public static void pslldq(long[] x, int d, long lo, long hi, int imm) {
        int bits = 8 * Math.min(imm, 16);
        if (bits == 0) {
            return;
        }
        if (bits < 64) {
            x[2 * d + 1] = hi << bits | lo >>> (64 - bits);
            x[2 * d] = lo << bits;
        } else {
            x[2 * d + 1] = bits == 128 ? 0 : lo << (bits - 64);
            x[2 * d] = 0;
        }
    }
}
