package vmm.x86.emu.internal.fpu;

import java.util.Locale;

/**
 * A hand-run throughput probe for the SSE instructions of bench/guests/linux-bench.c's inner loop
 * (pxor, cvtsi2sd, mulsd, addsd), through {@link FpuUnit#execute} as the core calls it. Not a
 * test (speed is measured by hand, never asserted): run it with the test class path, e.g.
 * {@code java -cp target/classes:target/test-classes:... vmm.x86.emu.internal.fpu.FpuBench}.
 */
final class FpuBench {

    private FpuBench() {
    }

    private static SimdInsn rr(int prefix, int opcode, int reg, int rm, boolean w) {
        return new SimdInsn(0x0f, opcode, prefix, 0xc0 | (reg & 7) << 3 | (rm & 7), reg, rm, false, w, w ? 8 : 4, 0);
    }

    static final SimdInsn PXOR = rr(0x66, 0xef, 0, 0, false);
    static final SimdInsn CVTSI2SD = rr(0xf2, 0x2a, 0, 0, true);
    static final SimdInsn MULSD = rr(0xf2, 0x59, 0, 2, false);
    /** xmm5 *= 1 + 2^-30: stays normal and inexact over millions of repetitions. */
    static final SimdInsn MULSD_ISO = rr(0xf2, 0x59, 5, 4, false);
    static final SimdInsn ADDSD = rr(0xf2, 0x58, 1, 0, false);
    static final SimdInsn CVTTSD2SI = rr(0xf2, 0x2c, 3, 1, true);
    /** MOVAPS xmm6, xmm7: the dispatch alone, for scale. */
    static final SimdInsn MOVAPS = rr(0, 0x28, 6, 7, false);

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int n = 2_000_000;
        FpuUnit u = new FpuUnit();
        FakeHost h = new FakeHost();
        String[] names = {"pxor xmm0,xmm0", "cvtsi2sd xmm0,rax", "mulsd xmm5,xmm4", "addsd xmm1,xmm0",
            "cvttsd2si rbx,xmm1", "movaps xmm6,xmm7", "loop (pxor,cvtsi2sd,mulsd,addsd)"};
        SimdInsn[] insns = {PXOR, CVTSI2SD, MULSD_ISO, ADDSD, CVTTSD2SI, MOVAPS, null};
        long[] best = new long[names.length];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        // warm up on the mix first, so that the JIT sees every path before compiling the dispatch
        for (int r = 0; r < 5; r++) {
            loop(u, h, n);
        }
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < names.length; i++) {
                long t = insns[i] == null ? loop(u, h, n) : time(u, h, n, insns[i]);
                best[i] = Math.min(best[i], t);
            }
        }
        // the machine is shared: the best round is the least disturbed one
        System.out.println("best of " + rounds + " rounds of " + n + " instructions:");
        for (int i = 0; i < names.length; i++) {
            report(names[i], n, best[i]);
        }
    }

    private static void report(String what, int n, long nanos) {
        System.out.println(String.format(Locale.ROOT, "  %-36s %7.2f ns/insn  %7.1f M insn/s", what,
                (double) nanos / n, n * 1e3 / nanos));
    }

    /** One instruction n times; the integer source changes like the guest's (x & 0xffff). */
    private static long time(FpuUnit u, FakeHost h, int n, SimdInsn in) {
        setup(u, h);
        long x = 88172645463325252L;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            h.gpr[0] = x & 0xffff;
            u.execute(in, h);
        }
        return System.nanoTime() - t0;
    }

    private static long loop(FpuUnit u, FakeHost h, int n) {
        setup(u, h);
        long x = 88172645463325252L;
        long t0 = System.nanoTime();
        for (int i = 0; i < n / 4; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            h.gpr[0] = x & 0xffff;
            u.execute(PXOR, h);
            u.execute(CVTSI2SD, h);
            u.execute(MULSD, h);
            u.execute(ADDSD, h);
        }
        return System.nanoTime() - t0;
    }

    /** xmm2 = 1e-3 (the guest's constant), xmm0, xmm1 and xmm5 = 12345.0, xmm4 = 1 + 2^-30. */
    private static void setup(FpuUnit u, FakeHost h) {
        u.reset();
        h.gpr[0] = 12345;
        u.execute(CVTSI2SD, h);
        u.execute(rr(0xf2, 0x2a, 1, 0, true), h);
        h.gpr[0] = 1000;
        u.execute(rr(0xf2, 0x2a, 2, 0, true), h);
        h.gpr[0] = 1;
        u.execute(rr(0xf2, 0x2a, 3, 0, true), h);
        u.execute(rr(0xf2, 0x5e, 3, 2, false), h); // xmm3 = 1/1000
        u.execute(rr(0xf2, 0x10, 2, 3, false), h); // movsd xmm2, xmm3
        u.execute(rr(0xf2, 0x10, 5, 0, false), h);
        h.gpr[0] = (1L << 30) + 1;
        u.execute(rr(0xf2, 0x2a, 4, 0, true), h);
        h.gpr[0] = 1L << 30;
        u.execute(rr(0xf2, 0x2a, 6, 0, true), h);
        u.execute(rr(0xf2, 0x5e, 4, 6, false), h); // xmm4 = 1 + 2^-30
    }
}
