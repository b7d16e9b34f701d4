package vmm.x86.emu.internal.fpu;

/**
 * Packed-integer instructions in both forms: MMX (no prefix, 64-bit MMi) and SSE2 (66 prefix,
 * 128-bit XMMi): arithmetic, compares, logic, packs/unpacks, shifts, shuffles of words and
 * dwords, PINSRW/PEXTRW, PMOVMSKB, the MMX moves (6E/6F/7E/7F/E7) and EMMS.
 */
final class SimdInt {

    private SimdInt() {
    }

    /** Enters the form the prefix selects; returns true for XMM. */
    private static boolean form(Simd c) {
        int p = c.insn.prefix();
        if (p == 0x66) {
            c.checkSse();
            return true;
        }
        if (p != 0) {
            throw c.ud();
        }
        c.checkMmx();
        return false;
    }

    /** Binary ops whose result depends on whole operands: lane-wise, packs, unpacks, shifts. */
    static void binary(Simd c, int op) {
        boolean x = form(c);
        SimdInsn in = c.insn;
        int d = in.reg();
        if (x) {
            c.load128(true);
            long a0 = c.lo(d);
            long a1 = c.hi(d);
            long b0 = c.srcLo;
            long b1 = c.srcHi;
            // the bitwise ones first, without the generic dispatch: PXOR xmm, xmm zeroes registers
            switch (op) {
                case 0xef -> c.set(d, a0 ^ b0, a1 ^ b1);
                case 0xdb -> c.set(d, a0 & b0, a1 & b1);
                case 0xeb -> c.set(d, a0 | b0, a1 | b1);
                case 0xdf -> c.set(d, ~a0 & b0, ~a1 & b1);
                default -> {
                    if (PackedInt.isLaneWise(op)) {
                        c.set(d, PackedInt.op(op, a0, b0), PackedInt.op(op, a1, b1));
                    } else {
                        xmmOp(c, d, op, a0, a1, b0, b1);
                    }
                }
            }
        } else {
            if (op == 0x6c || op == 0x6d) {
                throw c.ud();
            }
            long b = c.mmSrc();
            c.enterMmx();
            c.setMm(d, mmOp(op, c.mm(d), b));
        }
    }

    /** Unpacks, packs and shifts by register of XMM d. */
    private static void xmmOp(Simd c, int d, int op, long a0, long a1, long b0, long b1) {
        switch (op) {
            case 0x60, 0x61, 0x62 -> c.set(d, PackedInt.unpackLo(a0, b0, width(op)), PackedInt.unpackHi(a0, b0, width(op)));
            case 0x68, 0x69, 0x6a -> c.set(d, PackedInt.unpackLo(a1, b1, width(op)), PackedInt.unpackHi(a1, b1, width(op)));
            case 0x6c -> c.set(d, a0, b0);
            case 0x6d -> c.set(d, a1, b1);
            case 0x63 -> c.set(d, PackedInt.pack(a0, a1, 8, true), PackedInt.pack(b0, b1, 8, true));
            case 0x67 -> c.set(d, PackedInt.pack(a0, a1, 8, false), PackedInt.pack(b0, b1, 8, false));
            case 0x6b -> c.set(d, PackedInt.pack(a0, a1, 16, true), PackedInt.pack(b0, b1, 16, true));
            case 0xd1, 0xd2, 0xd3, 0xe1, 0xe2, 0xf1, 0xf2, 0xf3 -> {
                int w = shiftWidth(op);
                int kind = shiftKind(op);
                // only the low quadword counts
                c.set(d, PackedInt.shift(a0, w, b0, kind), PackedInt.shift(a1, w, b0, kind));
            }
            default -> throw c.unimplemented();
        }
    }

    private static long mmOp(int op, long a, long b) {
        if (PackedInt.isLaneWise(op)) {
            return PackedInt.op(op, a, b);
        }
        return switch (op) {
            case 0x60, 0x61, 0x62 -> PackedInt.unpackLo(a, b, width(op));
            case 0x68, 0x69, 0x6a -> PackedInt.unpackHi(a, b, width(op));
            case 0x63 -> PackedInt.pack(a, b, 8, true);
            case 0x67 -> PackedInt.pack(a, b, 8, false);
            case 0x6b -> PackedInt.pack(a, b, 16, true);
            default -> PackedInt.shift(a, shiftWidth(op), b, shiftKind(op));
        };
    }

    private static int width(int op) {
        return switch (op & 0xf) {
            case 0, 8 -> 8;
            case 1, 9 -> 16;
            default -> 32;
        };
    }

    static boolean isShiftByReg(int op) {
        return switch (op) {
            case 0xd1, 0xd2, 0xd3, 0xe1, 0xe2, 0xf1, 0xf2, 0xf3 -> true;
            default -> false;
        };
    }

    private static int shiftWidth(int op) {
        return switch (op & 0xf) {
            case 1 -> 16;
            case 2 -> 32;
            default -> 64;
        };
    }

    private static int shiftKind(int op) {
        return switch (op & 0xf0) {
            case 0xd0 -> 0;
            case 0xe0 -> 1;
            default -> 2;
        };
    }

    /** 0F 71/72/73 shift by imm8 groups (register form only). */
    static void shiftImm(Simd c, int op) {
        SimdInsn in = c.insn;
        int sub = (in.modrm() >> 3) & 7;
        if (!in.memory()) {
            int w = op == 0x71 ? 16 : op == 0x72 ? 32 : 64;
            int kind = switch (sub) {
                case 2 -> 0;
                case 4 -> op == 0x73 ? -1 : 1;
                case 6 -> 2;
                case 3, 7 -> op == 0x73 ? 3 : -1;
                default -> -1;
            };
            if (kind >= 0) {
                boolean x = form(c);
                int t = in.rm();
                long count = in.imm8() & 0xff;
                if (kind == 3) {
                    if (!x) {
                        throw c.ud();
                    }
                    byteShift(c, t, (int) Math.min(count, 16), sub == 7);
                } else if (x) {
                    c.set(t, PackedInt.shift(c.lo(t), w, count, kind), PackedInt.shift(c.hi(t), w, count, kind));
                } else {
                    c.enterMmx();
                    c.setMm(t, PackedInt.shift(c.mm(t), w, count, kind));
                }
                return;
            }
        }
        throw c.ud();
    }

    /** PSLLDQ (left) / PSRLDQ by n bytes. */
    private static void byteShift(Simd c, int t, int n, boolean left) {
        byte[] b = new byte[16];
        long l = c.lo(t);
        long h = c.hi(t);
        for (int i = 0; i < 16; i++) {
            int src = left ? i - n : i + n;
            if (src >= 0 && src < 16) {
                long q = src < 8 ? l : h;
                b[i] = (byte) (q >>> (8 * (src & 7)));
            }
        }
        c.set(t, SimdState.get(b, 0, 8), SimdState.get(b, 8, 8));
    }

    /** 0F 70: PSHUFW (none), PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2). */
    static void pshuf(Simd c) {
        SimdInsn in = c.insn;
        int imm = in.imm8();
        switch (in.prefix()) {
            case 0 -> {
                c.checkMmx();
                long v = c.mmSrc();
                c.enterMmx();
                c.setMm(in.reg(), PackedInt.shuffle16(v, imm));
            }
            case 0x66 -> {
                c.checkSse();
                c.load128(true);
                long lo = c.srcLo;
                long hi = c.srcHi;
                long r0 = Simd.dword(lo, hi, imm) | Simd.dword(lo, hi, imm >> 2) << 32;
                long r1 = Simd.dword(lo, hi, imm >> 4) | Simd.dword(lo, hi, imm >> 6) << 32;
                c.set(in.reg(), r0, r1);
            }
            case 0xf3 -> {
                c.checkSse();
                c.load128(true);
                c.set(in.reg(), c.srcLo, PackedInt.shuffle16(c.srcHi, imm));
            }
            default -> {
                c.checkSse();
                c.load128(true);
                c.set(in.reg(), PackedInt.shuffle16(c.srcLo, imm), c.srcHi);
            }
        }
    }

    /** 0F C4 PINSRW mm/xmm, r32/m16, imm8. */
    static void pinsrw(Simd c) {
        boolean x = form(c);
        SimdInsn in = c.insn;
        long w = (in.memory() ? c.host.load(0, 2) : c.host.gpr(in.rm())) & 0xffff;
        int d = in.reg();
        if (x) {
            int sel = in.imm8() & 7;
            int sh = 16 * (sel & 3);
            if (sel < 4) {
                c.set(d, (c.lo(d) & ~(0xffffL << sh)) | (w << sh), c.hi(d));
            } else {
                c.set(d, c.lo(d), (c.hi(d) & ~(0xffffL << sh)) | (w << sh));
            }
        } else {
            c.enterMmx();
            int sh = 16 * (in.imm8() & 3);
            c.setMm(d, (c.mm(d) & ~(0xffffL << sh)) | (w << sh));
        }
    }

    /** 0F C5 PEXTRW r32, mm/xmm, imm8 (register form only). */
    static void pextrw(Simd c) {
        SimdInsn in = c.insn;
        if (in.memory()) {
            throw c.ud();
        }
        boolean x = form(c);
        long v;
        if (x) {
            int sel = in.imm8() & 7;
            v = ((sel < 4 ? c.lo(in.rm()) : c.hi(in.rm())) >>> (16 * (sel & 3))) & 0xffff;
        } else {
            c.enterMmx();
            v = (c.mm(in.rm()) >>> (16 * (in.imm8() & 3))) & 0xffff;
        }
        c.host.setGpr(in.reg(), in.rexW() ? 8 : 4, v);
    }

    /** 0F D7 PMOVMSKB r32, mm/xmm (register form only). */
    static void pmovmskb(Simd c) {
        SimdInsn in = c.insn;
        if (in.memory()) {
            throw c.ud();
        }
        boolean x = form(c);
        int m;
        if (x) {
            m = PackedInt.moveMask8(c.lo(in.rm())) | PackedInt.moveMask8(c.hi(in.rm())) << 8;
        } else {
            c.enterMmx();
            m = PackedInt.moveMask8(c.mm(in.rm()));
        }
        c.host.setGpr(in.reg(), in.rexW() ? 8 : 4, m);
    }

    /** MMX moves: 0F 6E MOVD/MOVQ mm, r/m; 7E MOVD/MOVQ r/m, mm; 6F MOVQ mm, mm/m64; 7F store. */
    static void mmxMove(Simd c, int op) {
        SimdInsn in = c.insn;
        c.checkMmx();
        int size = in.rexW() ? 8 : 4;
        switch (op) {
            case 0x6e -> {
                long v = c.gprOrMem(size);
                c.enterMmx();
                c.setMm(in.reg(), v);
            }
            case 0x7e -> {
                long v = c.mm(in.reg());
                v = size == 8 ? v : v & 0xffffffffL;
                if (in.memory()) {
                    c.host.store(0, size, v);
                } else {
                    c.host.setGpr(in.rm(), size, v);
                }
                c.enterMmx();
            }
            case 0x6f -> {
                long v = c.mmSrc();
                c.enterMmx();
                c.setMm(in.reg(), v);
            }
            default -> { // 7F, E7 (MOVNTQ: memory only)
                if (op == 0xe7 && !in.memory()) {
                    throw c.ud();
                }
                long v = c.mm(in.reg());
                if (in.memory()) {
                    c.host.store(0, 8, v);
                } else {
                    c.setMm(in.rm(), v);
                }
                c.enterMmx();
            }
        }
    }

    /** 0F 77 EMMS: every x87 register empty. */
    static void emms(Simd c) {
        if (c.insn.prefix() != 0) {
            throw c.ud();
        }
        c.checkMmx();
        c.enterMmx();
        c.s.empty = 0xff;
    }
}
