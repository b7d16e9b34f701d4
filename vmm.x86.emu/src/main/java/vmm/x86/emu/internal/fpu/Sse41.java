package vmm.x86.emu.internal.fpu;

import static vmm.x86.emu.internal.fpu.SseArith.f;
import static vmm.x86.emu.internal.fpu.SseArith.setF;

/**
 * SSE4.1 (all 66-prefixed): 0F 38 10-41 (blends by XMM0, PTEST, PMOVSX/ZX, PMULDQ, PCMPEQQ,
 * MOVNTDQA, PACKUSDW, PMIN/PMAX, PMULLD, PHMINPOSUW) and 0F 3A 08-42 (ROUND*, immediate
 * blends, PEXTR*, EXTRACTPS, PINSR*, INSERTPS, DPPS/DPPD, MPSADBW).
 */
final class Sse41 {

    private Sse41() {
    }

    static boolean owns(int map, int op) {
        if (map == 0x0f38) {
            return op == 0x10 || op == 0x14 || op == 0x15 || op == 0x17 || (op >= 0x20 && op <= 0x25)
                    || (op >= 0x28 && op <= 0x2b) || (op >= 0x30 && op <= 0x35) || (op >= 0x38 && op <= 0x41);
        }
        return (op >= 0x08 && op <= 0x0e) || (op >= 0x14 && op <= 0x17) || (op >= 0x20 && op <= 0x22)
                || (op >= 0x40 && op <= 0x42);
    }

    static void exec(Simd c) {
        SimdInsn in = c.insn;
        if (in.prefix() != 0x66) {
            throw c.ud();
        }
        c.checkSse();
        if (in.map() == 0x0f38) {
            map38(c, in.opcode());
        } else {
            map3a(c, in.opcode());
        }
    }

    private static long[] dest(Simd c) {
        return new long[]{c.lo(c.insn.reg()), c.hi(c.insn.reg())};
    }

    private static void put(Simd c, long[] r) {
        c.set(c.insn.reg(), r[0], r[1]);
    }

    private static long lane(long[] v, int i, int w) {
        int per = 64 / w;
        long x = v[i / per] >>> (w * (i % per));
        return w == 64 ? x : x & ((1L << w) - 1);
    }

    private static void setLane(long[] v, int i, int w, long x) {
        int per = 64 / w;
        int sh = w * (i % per);
        long m = w == 64 ? -1L : ((1L << w) - 1) << sh;
        v[i / per] = (v[i / per] & ~m) | ((x << sh) & m);
    }

    private static long sext(long x, int w) {
        return w == 64 ? x : (x << (64 - w)) >> (64 - w);
    }

    private static void map38(Simd c, int op) {
        SimdInsn in = c.insn;
        if (op >= 0x20 && op <= 0x35 && op != 0x28 && op != 0x29 && op != 0x2a && op != 0x2b) {
            pmovx(c, op);
            return;
        }
        if (op == 0x2a) { // MOVNTDQA
            if (!in.memory()) {
                throw c.ud();
            }
            long[] v = c.src128(true);
            put(c, v);
            return;
        }
        long[] a = dest(c);
        long[] b = c.src128(true);
        long[] r = new long[2];
        switch (op) {
            case 0x10, 0x14, 0x15 -> {
                int w = op == 0x10 ? 8 : op == 0x14 ? 32 : 64;
                long[] m = {c.lo(0), c.hi(0)};
                for (int i = 0; i < 128 / w; i++) {
                    boolean pick = (lane(m, i, w) >>> (w - 1) & 1) != 0;
                    setLane(r, i, w, pick ? lane(b, i, w) : lane(a, i, w));
                }
            }
            case 0x17 -> {
                boolean zf = (a[0] & b[0]) == 0 && (a[1] & b[1]) == 0;
                boolean cf = (~a[0] & b[0]) == 0 && (~a[1] & b[1]) == 0;
                c.host.setCompareFlags(zf, false, cf);
                return;
            }
            case 0x28 -> {
                r[0] = (long) (int) a[0] * (int) b[0];
                r[1] = (long) (int) a[1] * (int) b[1];
            }
            case 0x29 -> {
                r[0] = a[0] == b[0] ? -1L : 0;
                r[1] = a[1] == b[1] ? -1L : 0;
            }
            case 0x2b -> {
                long[] src = {a[0], a[1], b[0], b[1]};
                for (int i = 0; i < 8; i++) {
                    long v = (int) (src[i / 2] >>> (32 * (i % 2)));
                    setLane(r, i, 16, Math.max(0, Math.min(65535, v)));
                }
            }
            case 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f -> {
                int w = switch (op & 3) {
                    case 0 -> 8;
                    case 2 -> 16;
                    default -> 32;
                };
                boolean signed = (op & 3) <= 1;
                boolean max = op >= 0x3c;
                for (int i = 0; i < 128 / w; i++) {
                    long x = lane(a, i, w);
                    long y = lane(b, i, w);
                    int cmp = signed ? Long.compare(sext(x, w), sext(y, w)) : Long.compare(x, y);
                    setLane(r, i, w, (max ? cmp >= 0 : cmp <= 0) ? x : y);
                }
            }
            case 0x40 -> {
                for (int i = 0; i < 4; i++) {
                    setLane(r, i, 32, (long) f(a, i) * f(b, i));
                }
            }
            default -> { // 0x41 PHMINPOSUW
                int best = 0;
                for (int i = 1; i < 8; i++) {
                    if (lane(b, i, 16) < lane(b, best, 16)) {
                        best = i;
                    }
                }
                r[0] = lane(b, best, 16) | (long) best << 16;
            }
        }
        put(c, r);
    }

    /** PMOVSX/PMOVZX: widen the low elements of the source (memory: only the bytes needed). */
    private static void pmovx(Simd c, int op) {
        SimdInsn in = c.insn;
        boolean signed = op < 0x30;
        int k = op & 0xf;
        int from = k <= 2 ? 8 : k <= 4 ? 16 : 32;
        int to = switch (k) {
            case 0 -> 16;
            case 1, 3 -> 32;
            default -> 64;
        };
        int n = 128 / to;
        int bytes = n * from / 8;
        long src = in.memory() ? c.host.load(0, bytes) : c.lo(in.rm());
        long[] r = new long[2];
        for (int i = 0; i < n; i++) {
            long v = (src >>> (from * i)) & (from == 32 ? 0xffffffffL : (1L << from) - 1);
            setLane(r, i, to, signed ? sext(v, from) : v);
        }
        put(c, r);
    }

    private static void map3a(Simd c, int op) {
        SimdInsn in = c.insn;
        int imm = in.imm8();
        switch (op) {
            case 0x08, 0x09, 0x0a, 0x0b -> round(c, op, imm);
            case 0x0c, 0x0d, 0x0e -> {
                int w = op == 0x0c ? 32 : op == 0x0d ? 64 : 16;
                long[] a = dest(c);
                long[] b = c.src128(true);
                for (int i = 0; i < 128 / w; i++) {
                    if ((imm >> i & 1) != 0) {
                        setLane(a, i, w, lane(b, i, w));
                    }
                }
                put(c, a);
            }
            case 0x14, 0x15, 0x16, 0x17 -> extract(c, op, imm);
            case 0x20 -> {
                long v = in.memory() ? c.host.load(0, 1) : c.host.gpr(in.rm()) & 0xff;
                long[] a = dest(c);
                setLane(a, imm & 15, 8, v);
                put(c, a);
            }
            case 0x21 -> {
                long v = in.memory() ? c.host.load(0, 4) : lane(new long[]{c.lo(in.rm()), c.hi(in.rm())}, imm >> 6 & 3, 32);
                long[] a = dest(c);
                setLane(a, imm >> 4 & 3, 32, v);
                for (int i = 0; i < 4; i++) {
                    if ((imm >> i & 1) != 0) {
                        setLane(a, i, 32, 0);
                    }
                }
                put(c, a);
            }
            case 0x22 -> {
                int w = in.rexW() ? 64 : 32;
                long v = in.memory() ? c.host.load(0, w / 8) : c.host.gpr(in.rm());
                long[] a = dest(c);
                setLane(a, imm & (w == 64 ? 1 : 3), w, v);
                put(c, a);
            }
            case 0x40, 0x41 -> dot(c, op == 0x41, imm);
            default -> mpsadbw(c, imm);
        }
    }

    /** PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS to a register (zero-extended) or memory. */
    private static void extract(Simd c, int op, int imm) {
        SimdInsn in = c.insn;
        long[] v = dest(c);
        int w = switch (op) {
            case 0x14 -> 8;
            case 0x15 -> 16;
            default -> op == 0x16 && in.rexW() ? 64 : 32;
        };
        long x = lane(v, imm & (128 / w - 1), w);
        if (in.memory()) {
            c.host.store(0, w / 8, x);
        } else {
            c.host.setGpr(in.rm(), w == 64 ? 8 : 4, x);
        }
    }

    /** ROUNDPS/PD/SS/SD: imm8[1:0] rounding (or MXCSR with bit 2), bit 3 suppresses precision. */
    private static void round(Simd c, int op, int imm) {
        boolean dbl = op == 0x09 || op == 0x0b;
        boolean scalar = op >= 0x0a;
        long[] b = scalar ? new long[]{dbl ? c.src64() : c.src32() & 0xffffffffL, 0} : c.src128(true);
        long[] r = dest(c);
        Mxcsr mx = c.mx;
        int rc = (imm & 4) != 0 ? mx.rc() : imm & 3;
        mx.begin();
        int lanes = scalar ? 1 : dbl ? 2 : 4;
        for (int i = 0; i < lanes; i++) {
            if (dbl) {
                r[i] = mx.roundD(b[i], rc, (imm & 8) != 0);
            } else {
                setF(r, i, mx.roundF(f(b, i), rc, (imm & 8) != 0));
            }
        }
        mx.commit(c.host);
        put(c, r);
    }

    /**
     * DPPS/DPPD: masked products summed pairwise, broadcast by mask. Measured on Intel: each
     * destination lane sums in its own operand order (visible only in which NaN comes out).
     * Not reproduced: with an unmasked exception, Intel reports the multiply stage's flags by
     * rules of its own; here the flags of both stages accompany the #XM by the usual SSE
     * precedence (results are not written either way).
     */
    private static void dot(Simd c, boolean dbl, int imm) {
        long[] a = dest(c);
        long[] b = c.src128(true);
        Mxcsr mx = c.mx;
        mx.begin();
        long[] r = new long[2];
        if (dbl) {
            long[] t = new long[2];
            for (int i = 0; i < 2; i++) {
                t[i] = (imm >> (4 + i) & 1) != 0 ? mx.opD(Mxcsr.MUL, a[i], b[i]) : 0;
            }
            for (int i = 0; i < 2; i++) {
                long s = mx.opD(Mxcsr.ADD, t[i], t[i ^ 1]);
                r[i] = (imm >> i & 1) != 0 ? s : 0;
            }
        } else {
            int[] t = new int[4];
            for (int i = 0; i < 4; i++) {
                t[i] = (imm >> (4 + i) & 1) != 0 ? mx.opF(Mxcsr.MUL, f(a, i), f(b, i)) : 0;
            }
            for (int i = 0; i < 4; i++) {
                int s = mx.opF(Mxcsr.ADD, mx.opF(Mxcsr.ADD, t[i ^ 1], t[i]), mx.opF(Mxcsr.ADD, t[i ^ 3], t[i ^ 2]));
                setF(r, i, (imm >> i & 1) != 0 ? s : 0);
            }
        }
        mx.commit(c.host);
        put(c, r);
    }

    private static void mpsadbw(Simd c, int imm) {
        long[] a = dest(c);
        long[] b = c.src128(true);
        int aoff = (imm >> 2 & 1) * 4;
        int boff = (imm & 3) * 4;
        long[] r = new long[2];
        for (int i = 0; i < 8; i++) {
            int sum = 0;
            for (int j = 0; j < 4; j++) {
                sum += (int) Math.abs(lane(a, aoff + i + j, 8) - lane(b, boff + j, 8));
            }
            setLane(r, i, 16, sum);
        }
        put(c, r);
    }
}
