package vmm.x86.emu.internal.fpu;

/**
 * SSE/SSE2 floating-point arithmetic, logic and comparisons: 0F 51-5F (but 5A/5B), C2 (CMPxx),
 * 2E/2F (UCOMIxx/COMIxx), and the SSE3 horizontal/alternating forms 7C, 7D, D0.
 * The mandatory prefix selects packed single (none), packed double (66), scalar single (F3)
 * and scalar double (F2).
 */
final class SseArith {

    private SseArith() {
    }

    static int f(long[] v, int i) {
        return (int) (v[i >> 1] >>> (32 * (i & 1)));
    }

    static void setF(long[] v, int i, int x) {
        int sh = 32 * (i & 1);
        v[i >> 1] = (v[i >> 1] & ~(0xffffffffL << sh)) | ((x & 0xffffffffL) << sh);
    }

    /** Arithmetic 51, 58, 59, 5C-5F and logic 54-57. */
    static void arith(Simd c, int op) {
        int p = c.insn.prefix();
        if (op >= 0x54 && op <= 0x57) {
            logic(c, op, p);
            return;
        }
        c.checkSse();
        int d = c.insn.reg();
        switch (p) {
            case 0xf2 -> scalarD(c, op, d);
            case 0xf3 -> scalarF(c, op, d);
            default -> packed(c, op, d, p == 0x66);
        }
    }

    /** ANDPS/ANDPD (54), ANDNPS/ANDNPD (55), ORPS/ORPD (56), XORPS/XORPD (57). */
    private static void logic(Simd c, int op, int p) {
        if (p != 0 && p != 0x66) {
            throw c.ud();
        }
        c.checkSse();
        int d = c.insn.reg();
        c.load128(true);
        long a0 = c.lo(d);
        long a1 = c.hi(d);
        long b0 = c.srcLo;
        long b1 = c.srcHi;
        switch (op) {
            case 0x54 -> c.set(d, a0 & b0, a1 & b1);
            case 0x55 -> c.set(d, ~a0 & b0, ~a1 & b1);
            case 0x56 -> c.set(d, a0 | b0, a1 | b1);
            default -> c.set(d, a0 ^ b0, a1 ^ b1);
        }
    }

    private static void packed(Simd c, int op, int d, boolean dbl) {
        long a0 = c.lo(d);
        long a1 = c.hi(d);
        c.load128(true);
        long b0 = c.srcLo;
        long b1 = c.srcHi;
        Mxcsr mx = c.mx;
        mx.begin();
        long r0;
        long r1;
        if (dbl) {
            r0 = dop(mx, op, a0, b0);
            r1 = dop(mx, op, a1, b1);
        } else {
            r0 = (fop(mx, op, (int) a0, (int) b0) & 0xffffffffL)
                    | (long) fop(mx, op, (int) (a0 >>> 32), (int) (b0 >>> 32)) << 32;
            r1 = (fop(mx, op, (int) a1, (int) b1) & 0xffffffffL)
                    | (long) fop(mx, op, (int) (a1 >>> 32), (int) (b1 >>> 32)) << 32;
        }
        mx.commit(c.host);
        c.set(d, r0, r1);
    }

    private static long dop(Mxcsr mx, int op, long x, long y) {
        return switch (op) {
            case 0x51 -> mx.opD(Mxcsr.SQRT, y, y);
            case 0x58 -> mx.opD(Mxcsr.ADD, x, y);
            case 0x59 -> mx.opD(Mxcsr.MUL, x, y);
            case 0x5c -> mx.opD(Mxcsr.SUB, x, y);
            case 0x5e -> mx.opD(Mxcsr.DIV, x, y);
            case 0x5d -> mx.minMaxD(false, x, y);
            default -> mx.minMaxD(true, x, y);
        };
    }

    private static int fop(Mxcsr mx, int op, int x, int y) {
        return switch (op) {
            case 0x51 -> mx.opF(Mxcsr.SQRT, y, y);
            case 0x58 -> mx.opF(Mxcsr.ADD, x, y);
            case 0x59 -> mx.opF(Mxcsr.MUL, x, y);
            case 0x5c -> mx.opF(Mxcsr.SUB, x, y);
            case 0x5e -> mx.opF(Mxcsr.DIV, x, y);
            case 0x5d -> mx.minMaxF(false, x, y);
            default -> mx.minMaxF(true, x, y);
        };
    }

    /** The scalar forms, the common case of compiled floating-point code: no temporaries. */
    private static void scalarD(Simd c, int op, int d) {
        Mxcsr mx = c.mx;
        long b = c.src64();
        mx.begin();
        long r = dop(mx, op, c.s.xmm[2 * d], b);
        mx.commit(c.host);
        c.s.xmm[2 * d] = r;
    }

    private static void scalarF(Simd c, int op, int d) {
        Mxcsr mx = c.mx;
        long a = c.s.xmm[2 * d];
        int b = c.src32();
        mx.begin();
        int r = fop(mx, op, (int) a, b);
        mx.commit(c.host);
        c.s.xmm[2 * d] = (a & 0xffffffff00000000L) | (r & 0xffffffffL);
    }

    /** SSE3 ADDSUBPS/PD (D0), HADDPS/PD (7C), HSUBPS/PD (7D): 66 = double, F2 = single. */
    static void horizontal(Simd c, int op) {
        int p = c.insn.prefix();
        if (p != 0x66 && p != 0xf2) {
            throw c.ud();
        }
        c.checkSse();
        int d = c.insn.reg();
        long[] a = {c.lo(d), c.hi(d)};
        long[] b = c.src128(true);
        Mxcsr mx = c.mx;
        mx.begin();
        long[] r = new long[2];
        if (p == 0x66) {
            if (op == 0xd0) {
                r[0] = mx.opD(Mxcsr.SUB, a[0], b[0]);
                r[1] = mx.opD(Mxcsr.ADD, a[1], b[1]);
            } else {
                int o = op == 0x7c ? Mxcsr.ADD : Mxcsr.SUB;
                r[0] = mx.opD(o, a[0], a[1]);
                r[1] = mx.opD(o, b[0], b[1]);
            }
        } else if (op == 0xd0) {
            for (int i = 0; i < 4; i++) {
                setF(r, i, mx.opF((i & 1) == 0 ? Mxcsr.SUB : Mxcsr.ADD, f(a, i), f(b, i)));
            }
        } else {
            int o = op == 0x7c ? Mxcsr.ADD : Mxcsr.SUB;
            setF(r, 0, mx.opF(o, f(a, 0), f(a, 1)));
            setF(r, 1, mx.opF(o, f(a, 2), f(a, 3)));
            setF(r, 2, mx.opF(o, f(b, 0), f(b, 1)));
            setF(r, 3, mx.opF(o, f(b, 2), f(b, 3)));
        }
        mx.commit(c.host);
        c.set(d, r[0], r[1]);
    }

    /** CMPPS/CMPPD/CMPSS/CMPSD with predicates 0-7 (imm8 bits 7:3 ignored, as legacy SSE does). */
    static void compare(Simd c) {
        SimdInsn in = c.insn;
        int p = in.prefix();
        c.checkSse();
        int d = in.reg();
        long a0 = c.lo(d);
        long a1 = c.hi(d);
        long b0;
        long b1 = 0;
        if (p == 0 || p == 0x66) {
            c.load128(true);
            b0 = c.srcLo;
            b1 = c.srcHi;
        } else {
            b0 = p == 0xf3 ? c.src32() & 0xffffffffL : c.src64();
        }
        int pred = in.imm8() & 7;
        Mxcsr mx = c.mx;
        mx.begin();
        long r0;
        long r1;
        switch (p) {
            case 0xf2 -> {
                r0 = cmpD(mx, pred, a0, b0);
                r1 = a1;
            }
            case 0x66 -> {
                r0 = cmpD(mx, pred, a0, b0);
                r1 = cmpD(mx, pred, a1, b1);
            }
            case 0xf3 -> {
                r0 = (a0 & 0xffffffff00000000L) | cmpF(mx, pred, (int) a0, (int) b0);
                r1 = a1;
            }
            default -> {
                r0 = cmpF(mx, pred, (int) a0, (int) b0) | cmpF(mx, pred, (int) (a0 >>> 32), (int) (b0 >>> 32)) << 32;
                r1 = cmpF(mx, pred, (int) a1, (int) b1) | cmpF(mx, pred, (int) (a1 >>> 32), (int) (b1 >>> 32)) << 32;
            }
        }
        mx.commit(c.host);
        c.set(d, r0, r1);
    }

    /** LT, LE, NLT, NLE signal on a QNaN too. */
    private static boolean signals(int pred) {
        return pred == 1 || pred == 2 || pred == 5 || pred == 6;
    }

    /** Whether predicate {@code pred} holds for a comparison result -1, 0, 1 or 2 (unordered). */
    private static boolean holds(int pred, int cmp) {
        return switch (pred) {
            case 0 -> cmp == 0;
            case 1 -> cmp == -1;
            case 2 -> cmp == -1 || cmp == 0;
            case 3 -> cmp == 2;
            case 4 -> cmp != 0;
            case 5 -> cmp != -1;
            case 6 -> cmp != -1 && cmp != 0;
            default -> cmp != 2;
        };
    }

    private static long cmpD(Mxcsr mx, int pred, long a, long b) {
        return holds(pred, mx.compareD(a, b, signals(pred))) ? -1L : 0;
    }

    /** The all-ones or zero mask of one float lane, zero-extended. */
    private static long cmpF(Mxcsr mx, int pred, int a, int b) {
        return holds(pred, mx.compareF(a, b, signals(pred))) ? 0xffffffffL : 0;
    }

    /** COMISS/COMISD (2F) signal on QNaN; UCOMISS/UCOMISD (2E) only on SNaN. */
    static void comis(Simd c, int op) {
        int p = c.insn.prefix();
        if (p != 0 && p != 0x66) {
            throw c.ud();
        }
        c.checkSse();
        int d = c.insn.reg();
        Mxcsr mx = c.mx;
        mx.begin();
        int cmp = p == 0x66 ? mx.compareD(c.lo(d), c.src64(), op == 0x2f)
                : mx.compareF((int) c.lo(d), c.src32(), op == 0x2f);
        mx.commit(c.host);
        c.host.setCompareFlags(cmp == 0 || cmp == 2, cmp == 2, cmp == -1 || cmp == 2);
    }

    /**
     * RCPPS/RCPSS (53) and RSQRTPS/RSQRTSS (52). The result here is the correctly rounded
     * single-precision 1/x or 1/sqrt(x) (relative error at most 2^-24, well inside the SDM's
     * 1.5*2^-12); the host's own table-based approximation is not bit-identical. As on Intel
     * hardware, denormal inputs count as zero, tiny results flush to zero, no flags are set.
     */
    static void reciprocal(Simd c, int op) {
        int p = c.insn.prefix();
        if (p != 0 && p != 0xf3) {
            throw c.ud();
        }
        c.checkSse();
        int d = c.insn.reg();
        long[] b = p == 0 ? c.src128(true) : new long[]{c.src32() & 0xffffffffL, 0};
        long[] r = {c.lo(d), c.hi(d)};
        int lanes = p == 0 ? 4 : 1;
        for (int i = 0; i < lanes; i++) {
            setF(r, i, op == 0x53 ? rcp(f(b, i)) : rsqrt(f(b, i)));
        }
        c.set(d, r[0], r[1]);
    }

    static int rcp(int x) {
        int sign = x & 0x80000000;
        int e = (x >>> 23) & 0xff;
        if (e == 0xff) {
            return (x & 0x7fffff) != 0 ? x | 0x400000 : sign;
        }
        if (e == 0) {
            return sign | 0x7f800000;
        }
        if (e >= 253) {
            return sign; // the approximation of 1/x is below 2^-126 and flushes to zero
        }
        float r = (float) (1.0 / Float.intBitsToFloat(x));
        return Math.abs(r) < Float.MIN_NORMAL ? sign : Float.floatToRawIntBits(r);
    }

    static int rsqrt(int x) {
        int sign = x & 0x80000000;
        int e = (x >>> 23) & 0xff;
        if (e == 0xff && (x & 0x7fffff) != 0) {
            return x | 0x400000;
        }
        if (e == 0) {
            return sign | 0x7f800000;
        }
        if (sign != 0) {
            return Mxcsr.DEFAULT_NAN_F;
        }
        if (e == 0xff) {
            return 0;
        }
        return Float.floatToRawIntBits((float) (1.0 / Math.sqrt(Float.intBitsToFloat(x))));
    }
}
