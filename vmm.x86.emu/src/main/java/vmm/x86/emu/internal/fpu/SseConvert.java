package vmm.x86.emu.internal.fpu;

/**
 * SSE/SSE2 conversions: 0F 2A (CVTPI2PS/PD, CVTSI2SS/SD), 2C/2D (CVT[T]PS2PI, CVT[T]PD2PI,
 * CVT[T]SS2SI, CVT[T]SD2SI), 5A (PS2PD, PD2PS, SS2SD, SD2SS), 5B (DQ2PS, PS2DQ, TPS2DQ),
 * E6 (DQ2PD, PD2DQ, TPD2DQ). Out-of-range integer results are the integer indefinite value.
 */
final class SseConvert {

    private SseConvert() {
    }

    static void cvt2a(Simd c) {
        SimdInsn in = c.insn;
        int p = in.prefix();
        int d = in.reg();
        Mxcsr mx = c.mx;
        switch (p) {
            case 0 -> { // CVTPI2PS xmm, mm/m64: rounds, enters MMX state for a register source
                c.checkSse();
                if (!in.memory()) {
                    c.checkMmx();
                }
                long v = c.mmSrc();
                if (!in.memory()) {
                    c.enterMmx();
                }
                mx.begin();
                int r0 = MxcsrConvert.i2f(mx, (int) v);
                int r1 = MxcsrConvert.i2f(mx, (int) (v >> 32));
                mx.commit(c.host);
                c.set(d, (r0 & 0xffffffffL) | ((long) r1 << 32), c.hi(d));
            }
            case 0x66 -> { // CVTPI2PD xmm, mm/m64: exact
                c.checkSse();
                if (!in.memory()) {
                    c.checkMmx();
                }
                long v = c.mmSrc();
                if (!in.memory()) {
                    c.enterMmx();
                }
                mx.begin();
                long r0 = MxcsrConvert.i2d(mx, (int) v);
                long r1 = MxcsrConvert.i2d(mx, (int) (v >> 32));
                mx.commit(c.host);
                c.set(d, r0, r1);
            }
            default -> {
                c.checkSse();
                long v = in.rexW() ? c.gprOrMem(8) : (int) c.gprOrMem(4);
                mx.begin();
                if (p == 0xf3) {
                    int r = MxcsrConvert.i2f(mx, v);
                    mx.commit(c.host);
                    c.set(d, (c.lo(d) & 0xffffffff00000000L) | (r & 0xffffffffL), c.hi(d));
                } else {
                    long r = MxcsrConvert.i2d(mx, v);
                    mx.commit(c.host);
                    c.set(d, r, c.hi(d));
                }
            }
        }
    }

    /** 2C (truncating) and 2D (MXCSR rounding). */
    static void cvt2c(Simd c, boolean truncate) {
        SimdInsn in = c.insn;
        int p = in.prefix();
        Mxcsr mx = c.mx;
        switch (p) {
            case 0, 0x66 -> { // to two int32 in an MMX register
                c.checkSse();
                c.checkMmx();
                long r;
                mx.begin();
                if (p == 0) {
                    long v = in.memory() ? c.host.load(0, 8) : c.lo(in.rm());
                    long r0 = MxcsrConvert.f2i(mx, (int) v, 32, truncate);
                    long r1 = MxcsrConvert.f2i(mx, (int) (v >>> 32), 32, truncate);
                    r = (r0 & 0xffffffffL) | (r1 << 32);
                } else {
                    c.load128(true);
                    long r0 = MxcsrConvert.d2i(mx, c.srcLo, 32, truncate);
                    long r1 = MxcsrConvert.d2i(mx, c.srcHi, 32, truncate);
                    r = (r0 & 0xffffffffL) | (r1 << 32);
                }
                mx.commit(c.host);
                c.enterMmx();
                c.setMm(in.reg(), r);
            }
            default -> {
                c.checkSse();
                int bits = in.rexW() ? 64 : 32;
                mx.begin();
                long r = p == 0xf3 ? MxcsrConvert.f2i(mx, c.src32(), bits, truncate) : MxcsrConvert.d2i(mx, c.src64(), bits, truncate);
                mx.commit(c.host);
                c.host.setGpr(in.reg(), bits / 8, r);
            }
        }
    }

    static void cvt5a(Simd c) {
        SimdInsn in = c.insn;
        int p = in.prefix();
        c.checkSse();
        int d = in.reg();
        Mxcsr mx = c.mx;
        mx.begin();
        switch (p) {
            case 0 -> { // CVTPS2PD xmm, xmm/m64
                long v = c.src64();
                long r0 = MxcsrConvert.f2d(mx, (int) v);
                long r1 = MxcsrConvert.f2d(mx, (int) (v >>> 32));
                mx.commit(c.host);
                c.set(d, r0, r1);
            }
            case 0x66 -> { // CVTPD2PS
                c.load128(true);
                int r0 = MxcsrConvert.d2f(mx, c.srcLo);
                int r1 = MxcsrConvert.d2f(mx, c.srcHi);
                mx.commit(c.host);
                c.set(d, (r0 & 0xffffffffL) | ((long) r1 << 32), 0);
            }
            case 0xf3 -> { // CVTSS2SD
                long r = MxcsrConvert.f2d(mx, c.src32());
                mx.commit(c.host);
                c.set(d, r, c.hi(d));
            }
            default -> { // CVTSD2SS
                int r = MxcsrConvert.d2f(mx, c.src64());
                mx.commit(c.host);
                c.set(d, (c.lo(d) & 0xffffffff00000000L) | (r & 0xffffffffL), c.hi(d));
            }
        }
    }

    static void cvt5b(Simd c) {
        SimdInsn in = c.insn;
        int p = in.prefix();
        if (p == 0xf2) {
            throw c.ud();
        }
        c.checkSse();
        int d = in.reg();
        c.load128(true);
        long lo = c.srcLo;
        long hi = c.srcHi;
        Mxcsr mx = c.mx;
        mx.begin();
        long r0 = lane5b(mx, p, (int) lo) | lane5b(mx, p, (int) (lo >>> 32)) << 32;
        long r1 = lane5b(mx, p, (int) hi) | lane5b(mx, p, (int) (hi >>> 32)) << 32;
        mx.commit(c.host);
        c.set(d, r0, r1);
    }

    /** One lane of 5B (CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ), zero-extended. */
    private static long lane5b(Mxcsr mx, int p, int x) {
        int r = p == 0 ? MxcsrConvert.i2f(mx, x) : (int) MxcsrConvert.f2i(mx, x, 32, p == 0xf3);
        return r & 0xffffffffL;
    }

    static void cvtE6(Simd c) {
        SimdInsn in = c.insn;
        int p = in.prefix();
        if (p == 0) {
            throw c.ud();
        }
        c.checkSse();
        int d = in.reg();
        Mxcsr mx = c.mx;
        mx.begin();
        if (p == 0xf3) { // CVTDQ2PD xmm, xmm/m64: exact
            long v = c.src64();
            long r0 = MxcsrConvert.i2d(mx, (int) v);
            long r1 = MxcsrConvert.i2d(mx, (int) (v >> 32));
            mx.commit(c.host);
            c.set(d, r0, r1);
            return;
        }
        c.load128(true);
        boolean truncate = p == 0x66;
        long r0 = MxcsrConvert.d2i(mx, c.srcLo, 32, truncate);
        long r1 = MxcsrConvert.d2i(mx, c.srcHi, 32, truncate);
        mx.commit(c.host);
        c.set(d, (r0 & 0xffffffffL) | (r1 << 32), 0);
    }
}
