package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SseArith.f;
import static vmm.x86.emu.internal.fpu.SseArith.setF;

/**
 * SSE/SSE2/SSE3 data movement: full and partial moves (0F 10-17, 28/29, 2B, 6F/7F, D6, E7,
 * F0), MOVD/MOVQ (6E/7E), masks (50, D7), shuffles and unpacks of floats (14, 15, C6),
 * MASKMOVQ/MASKMOVDQU (F7). The MMX forms live in {@link SimdInt}.
 */
final class SseMove {

    private SseMove() {
    }

    /** 0F 10/11: MOVUPS/MOVUPD/MOVSS/MOVSD load and store. */
    static void movups(Simd c, boolean store) {
        SimdInsn in = c.insn;
        int p = in.prefix();
        c.checkSse();
        int r = in.reg();
        if (p == 0 || p == 0x66) {
            if (store) {
                storeFull(c, r, false);
            } else {
                c.load128(false);
                c.set(r, c.srcLo, c.srcHi);
            }
            return;
        }
        long mask = p == 0xf3 ? 0xffffffffL : -1L;
        int size = p == 0xf3 ? 4 : 8;
        if (store) {
            if (in.memory()) {
                c.host.store(0, size, c.lo(r) & mask);
            } else {
                int dst = in.rm();
                c.set(dst, (c.lo(dst) & ~mask) | (c.lo(r) & mask), c.hi(dst));
            }
        } else if (in.memory()) {
            c.set(r, c.host.load(0, size) & mask, 0);
        } else {
            c.set(r, (c.lo(r) & ~mask) | (c.lo(in.rm()) & mask), c.hi(r));
        }
    }

    private static void storeFull(Simd c, int r, boolean aligned) {
        if (c.insn.memory()) {
            c.store128(c.lo(r), c.hi(r), aligned);
        } else {
            c.set(c.insn.rm(), c.lo(r), c.hi(r));
        }
    }

    /** 0F 28/29 MOVAPS/MOVAPD; 0F 6F/7F with 66 (MOVDQA) or F3 (MOVDQU). */
    static void movFull(Simd c, boolean store, boolean aligned) {
        c.checkSse();
        int r = c.insn.reg();
        if (store) {
            storeFull(c, r, aligned);
        } else {
            c.load128(aligned);
            c.set(r, c.srcLo, c.srcHi);
        }
    }

    /** 0F 2B MOVNTPS/PD, 0F E7 MOVNTDQ (66): aligned stores, memory only. */
    static void movnt(Simd c) {
        if (!c.insn.memory()) {
            throw c.ud();
        }
        c.checkSse();
        int r = c.insn.reg();
        c.store128(c.lo(r), c.hi(r), true);
    }

    /** 0F 12/13/16/17: the half moves; F2 0F 12 MOVDDUP and F3 0F 12/16 MOVSLDUP/MOVSHDUP. */
    static void half(Simd c, int op) {
        SimdInsn in = c.insn;
        int p = in.prefix();
        int r = in.reg();
        boolean high = op == 0x16 || op == 0x17;
        if (p == 0xf2 || p == 0xf3) {
            if (op == 0x13 || op == 0x17 || (p == 0xf2 && op == 0x16)) {
                throw c.ud();
            }
            c.checkSse();
            if (p == 0xf2) { // MOVDDUP xmm, xmm/m64
                long v = c.src64();
                c.set(r, v, v);
            } else {
                long[] v = c.src128(true);
                long[] o = new long[2];
                int from = op == 0x12 ? 0 : 1;
                for (int i = 0; i < 4; i += 2) {
                    setF(o, i, f(v, i + from));
                    setF(o, i + 1, f(v, i + from));
                }
                c.set(r, o[0], o[1]);
            }
            return;
        }
        if (op == 0x13 || op == 0x17) {
            if (!in.memory()) {
                throw c.ud();
            }
            c.checkSse();
            c.host.store(0, 8, high ? c.hi(r) : c.lo(r));
            return;
        }
        c.checkSse();
        if (!in.memory()) {
            if (p == 0x66) {
                throw c.ud();
            }
            // MOVHLPS / MOVLHPS
            if (high) {
                c.set(r, c.lo(r), c.lo(in.rm()));
            } else {
                c.set(r, c.hi(in.rm()), c.hi(r));
            }
            return;
        }
        long v = c.host.load(0, 8);
        if (high) {
            c.set(r, c.lo(r), v);
        } else {
            c.set(r, v, c.hi(r));
        }
    }

    /** 0F 14/15 UNPCKLPS/PD, UNPCKHPS/PD. */
    static void unpck(Simd c, boolean high) {
        int p = c.insn.prefix();
        if (p != 0 && p != 0x66) {
            throw c.ud();
        }
        c.checkSse();
        int r = c.insn.reg();
        long a0 = c.lo(r);
        long a1 = c.hi(r);
        c.load128(true);
        long b0 = c.srcLo;
        long b1 = c.srcHi;
        if (p == 0x66) {
            c.set(r, high ? a1 : a0, high ? b1 : b0);
        } else {
            int k = high ? 2 : 0;
            c.set(r, Simd.dword(a0, a1, k) | Simd.dword(b0, b1, k) << 32,
                    Simd.dword(a0, a1, k + 1) | Simd.dword(b0, b1, k + 1) << 32);
        }
    }

    /** 0F C6 SHUFPS/SHUFPD. */
    static void shuf(Simd c) {
        int p = c.insn.prefix();
        if (p != 0 && p != 0x66) {
            throw c.ud();
        }
        c.checkSse();
        int r = c.insn.reg();
        long a0 = c.lo(r);
        long a1 = c.hi(r);
        c.load128(true);
        long b0 = c.srcLo;
        long b1 = c.srcHi;
        int imm = c.insn.imm8();
        if (p == 0x66) {
            c.set(r, (imm & 1) == 0 ? a0 : a1, (imm & 2) == 0 ? b0 : b1);
        } else {
            c.set(r, Simd.dword(a0, a1, imm) | Simd.dword(a0, a1, imm >> 2) << 32,
                    Simd.dword(b0, b1, imm >> 4) | Simd.dword(b0, b1, imm >> 6) << 32);
        }
    }

    /** 0F 50 MOVMSKPS/PD r32, xmm (register form only). */
    static void movmsk(Simd c) {
        int p = c.insn.prefix();
        if (c.insn.memory() || (p != 0 && p != 0x66)) {
            throw c.ud();
        }
        c.checkSse();
        int s = c.insn.rm();
        long l = c.lo(s);
        long h = c.hi(s);
        int m = p == 0x66 ? (int) (l >>> 63) | (int) (h >>> 63) << 1
                : (int) (l >>> 31) & 1 | (int) (l >>> 62) & 2 | (int) (h >>> 29) & 4 | (int) (h >>> 60) & 8;
        c.host.setGpr(c.insn.reg(), 4, m);
    }

    /** 66 0F 6E MOVD/MOVQ xmm, r/m32/64. */
    static void movdToXmm(Simd c) {
        c.checkSse();
        long v = c.gprOrMem(c.insn.rexW() ? 8 : 4);
        c.set(c.insn.reg(), v, 0);
    }

    /** 66 0F 7E MOVD/MOVQ r/m32/64, xmm; F3 0F 7E MOVQ xmm, xmm/m64. */
    static void movdFromXmm(Simd c) {
        SimdInsn in = c.insn;
        c.checkSse();
        if (in.prefix() == 0xf3) {
            c.set(in.reg(), c.src64(), 0);
            return;
        }
        int size = in.rexW() ? 8 : 4;
        long v = c.lo(in.reg());
        if (in.memory()) {
            c.host.store(0, size, size == 8 ? v : v & 0xffffffffL);
        } else {
            c.host.setGpr(in.rm(), size, size == 8 ? v : v & 0xffffffffL);
        }
    }

    /** 0F D6: 66 MOVQ xmm/m64, xmm; F3 MOVQ2DQ xmm, mm; F2 MOVDQ2Q mm, xmm. */
    static void d6(Simd c) {
        SimdInsn in = c.insn;
        switch (in.prefix()) {
            case 0x66 -> {
                c.checkSse();
                long v = c.lo(in.reg());
                if (in.memory()) {
                    c.host.store(0, 8, v);
                } else {
                    c.set(in.rm(), v, 0);
                }
            }
            case 0xf3 -> {
                if (in.memory()) {
                    throw c.ud();
                }
                c.checkSse();
                c.checkMmx();
                c.enterMmx();
                c.set(in.reg(), c.mm(in.rm()), 0);
            }
            case 0xf2 -> {
                if (in.memory()) {
                    throw c.ud();
                }
                c.checkSse();
                c.checkMmx();
                c.enterMmx();
                c.setMm(in.reg(), c.lo(in.rm()));
            }
            default -> throw c.ud();
        }
    }

    /** F2 0F F0 LDDQU xmm, m128 (SSE3; any alignment, memory only). */
    static void lddqu(Simd c) {
        if (!c.insn.memory() || c.insn.prefix() != 0xf2) {
            throw c.ud();
        }
        movFull(c, false, false);
    }

    /**
     * 0F F7: MASKMOVQ mm, mm / 66 MASKMOVDQU xmm, xmm: byte-masked store to DS:rDI through
     * {@link FpuHost#storeAtRdi}.
     */
    static void maskmov(Simd c) {
        SimdInsn in = c.insn;
        if (in.memory() || (in.prefix() != 0 && in.prefix() != 0x66)) {
            throw c.ud();
        }
        long[] data;
        long[] mask;
        if (in.prefix() == 0x66) {
            c.checkSse();
            data = new long[]{c.lo(in.reg()), c.hi(in.reg())};
            mask = new long[]{c.lo(in.rm()), c.hi(in.rm())};
        } else {
            c.checkMmx();
            c.enterMmx();
            data = new long[]{c.mm(in.reg())};
            mask = new long[]{c.mm(in.rm())};
        }
        for (int q = 0; q < data.length; q++) {
            for (int i = 0; i < 8; i++) {
                if (((mask[q] >>> (8 * i + 7)) & 1) != 0) {
                    c.host.storeAtRdi(8 * q + i, 1, (data[q] >>> (8 * i)) & 0xff);
                }
            }
        }
    }
}
