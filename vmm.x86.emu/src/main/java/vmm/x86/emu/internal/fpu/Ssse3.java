package vmm.x86.emu.internal.fpu;

/**
 * SSSE3, MMX (no prefix) and XMM (66) forms: 0F 38 00-0B (PSHUFB, PHADDW/D/SW, PMADDUBSW,
 * PHSUBW/D/SW, PSIGNB/W/D, PMULHRSW), 0F 38 1C-1E (PABSB/W/D) and 0F 3A 0F (PALIGNR).
 */
final class Ssse3 {

    private Ssse3() {
    }

    static boolean owns(int map, int op) {
        return map == 0x0f38 ? op <= 0x0b || (op >= 0x1c && op <= 0x1e) : op == 0x0f;
    }

    static void exec(Simd c) {
        SimdInsn in = c.insn;
        boolean x;
        if (in.prefix() == 0x66) {
            c.checkSse();
            x = true;
        } else if (in.prefix() == 0) {
            c.checkMmx();
            x = false;
        } else {
            throw c.ud();
        }
        long[] a;
        long[] b;
        if (x) {
            b = c.src128(true);
            a = new long[]{c.lo(in.reg()), c.hi(in.reg())};
        } else {
            b = new long[]{c.mmSrc()};
            a = new long[]{c.mm(in.reg())};
            c.enterMmx();
        }
        long[] r = in.map() == 0x0f3a ? palignr(a, b, in.imm8()) : op(in.opcode(), a, b);
        if (x) {
            c.set(in.reg(), r[0], r[1]);
        } else {
            c.setMm(in.reg(), r[0]);
        }
    }

    private static int[] elems(long[] q, int w, boolean signed) {
        int per = 64 / w;
        int[] e = new int[q.length * per];
        for (int i = 0; i < e.length; i++) {
            long v = q[i / per] >>> (w * (i % per));
            e[i] = switch (w) {
                case 8 -> signed ? (byte) v : (int) v & 0xff;
                case 16 -> signed ? (short) v : (int) v & 0xffff;
                default -> (int) v;
            };
        }
        return e;
    }

    private static long[] quads(int[] e, int w) {
        int per = 64 / w;
        long[] q = new long[e.length / per];
        long mask = w == 32 ? 0xffffffffL : (1L << w) - 1;
        for (int i = 0; i < e.length; i++) {
            q[i / per] |= (e[i] & mask) << (w * (i % per));
        }
        return q;
    }

    private static int sat16(int v) {
        return Math.max(-32768, Math.min(32767, v));
    }

    private static long[] op(int op, long[] a, long[] b) {
        switch (op) {
            case 0x00 -> {
                int[] x = elems(a, 8, false);
                int[] y = elems(b, 8, false);
                int[] r = new int[x.length];
                for (int i = 0; i < r.length; i++) {
                    r[i] = (y[i] & 0x80) != 0 ? 0 : x[y[i] & (x.length - 1)];
                }
                return quads(r, 8);
            }
            case 0x01, 0x02, 0x03, 0x05, 0x06, 0x07 -> {
                int w = op == 0x02 || op == 0x06 ? 32 : 16;
                boolean sub = op >= 0x05;
                boolean sat = op == 0x03 || op == 0x07;
                int[] x = elems(a, w, true);
                int[] y = elems(b, w, true);
                int n = x.length;
                int[] r = new int[n];
                for (int i = 0; i < n / 2; i++) {
                    r[i] = combine(x[2 * i], x[2 * i + 1], sub, sat);
                    r[i + n / 2] = combine(y[2 * i], y[2 * i + 1], sub, sat);
                }
                return quads(r, w);
            }
            case 0x04 -> {
                int[] x = elems(a, 8, false);
                int[] y = elems(b, 8, true);
                int[] r = new int[x.length / 2];
                for (int i = 0; i < r.length; i++) {
                    r[i] = sat16(x[2 * i] * y[2 * i] + x[2 * i + 1] * y[2 * i + 1]);
                }
                return quads(r, 16);
            }
            case 0x08, 0x09, 0x0a -> {
                int w = 8 << (op - 0x08);
                int[] x = elems(a, w, true);
                int[] y = elems(b, w, true);
                for (int i = 0; i < x.length; i++) {
                    x[i] = y[i] < 0 ? -x[i] : y[i] == 0 ? 0 : x[i];
                }
                return quads(x, w);
            }
            case 0x0b -> {
                int[] x = elems(a, 16, true);
                int[] y = elems(b, 16, true);
                for (int i = 0; i < x.length; i++) {
                    x[i] = (((x[i] * y[i]) >> 14) + 1) >> 1;
                }
                return quads(x, 16);
            }
            default -> { // 1C-1E PABSB/W/D
                int w = 8 << (op - 0x1c);
                int[] y = elems(b, w, true);
                for (int i = 0; i < y.length; i++) {
                    y[i] = Math.abs(y[i]);
                }
                return quads(y, w);
            }
        }
    }

    private static int combine(int p, int q, boolean sub, boolean sat) {
        int v = sub ? p - q : p + q;
        return sat ? sat16(v) : v;
    }

    /** PALIGNR: (dest:src) shifted right by imm8 bytes, the low half kept. */
    private static long[] palignr(long[] a, long[] b, int imm) {
        int n = a.length * 8;
        byte[] cat = new byte[2 * n];
        for (int i = 0; i < n; i++) {
            cat[i] = (byte) (b[i / 8] >>> (8 * (i % 8)));
            cat[n + i] = (byte) (a[i / 8] >>> (8 * (i % 8)));
        }
        long[] r = new long[a.length];
        for (int i = 0; i < n; i++) {
            int s = i + (imm & 0xff);
            if (s < 2 * n) {
                r[i / 8] |= (cat[s] & 0xffL) << (8 * (i % 8));
            }
        }
        return r;
    }
}
