package vmm.x86.emu.internal.fpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.x86.emu.internal.fpu.Spec.BOTH;
import static vmm.x86.emu.internal.fpu.Spec.sse;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exact fast paths of the SSE arithmetic and conversions against the host CPU, with
 * operands chosen at their edges ({@link EdgeGen}) and MXCSR in every rounding mode, with
 * DAZ/FTZ, single unmasked exceptions and sticky flags already set. The random states of
 * {@link SseDiffTest} rarely land there.
 */
class SseFastPathDiffTest {

    private static NativeOracle oracle;

    @BeforeAll
    static void compile() throws Exception {
        oracle = NativeOracle.compile();
    }

    @AfterAll
    static void cleanup() throws Exception {
        if (oracle != null) {
            oracle.close();
        }
    }

    static final int PAIR = 0;
    static final int TO_INT = 1;
    static final int FROM_INT = 2;
    static final int NARROW = 3;
    static final int WIDEN = 4;
    static final int BITS = 5;

    /**
     * One instruction form: how its source lanes are generated ({@code gen}), whether they are
     * doubles (else floats or int32), how many lanes, the arithmetic op for PAIR, the integer
     * width for TO_INT/FROM_INT, and whether a register source is an MMX register.
     */
    record Form(Spec spec, int gen, boolean dbl, int lanes, int op, boolean mmxSrc) {
    }

    /** Nearest with everything masked most of the time: the fast paths' own case. */
    private static final int[] MXCSR = {0x1f80, 0x1f80, 0x1f80, 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x1fc0, 0x9f80, 0x9fc0,
        0x0f80, 0x1780, 0x1b80, 0x1e80, 0x1d80, 0x1f00, 0x0000, 0x1fbf, 0x3fc0, 0xdfc0, 0x1fa0, 0x0fa0};

    static List<Form> arithmetic() {
        List<Form> l = new ArrayList<>();
        int[] ops = {0x58, 0x5c, 0x59, 0x5e, 0x51, 0x5d, 0x5f};
        int[] mx = {Mxcsr.ADD, Mxcsr.SUB, Mxcsr.MUL, Mxcsr.DIV, Mxcsr.SQRT, Mxcsr.SUB, Mxcsr.SUB};
        String[] names = {"add", "sub", "mul", "div", "sqrt", "min", "max"};
        for (int i = 0; i < ops.length; i++) {
            for (int p = 0; p < 4; p++) {
                boolean dbl = (p & 1) != 0;
                int lanes = p >= 2 ? 1 : dbl ? 2 : 4;
                l.add(new Form(sse(names[i] + SseDiffTest.SUF[p], SseDiffTest.PFX[p], ops[i], BOTH), PAIR, dbl, lanes,
                        mx[i], false));
            }
        }
        for (int p = 0; p < 4; p++) {
            boolean dbl = (p & 1) != 0;
            l.add(new Form(sse("cmp" + SseDiffTest.SUF[p], SseDiffTest.PFX[p], 0xc2, BOTH), PAIR, dbl,
                    p >= 2 ? 1 : dbl ? 2 : 4, Mxcsr.SUB, false));
        }
        l.add(new Form(sse("ucomiss", 0, 0x2e, BOTH), PAIR, false, 1, Mxcsr.SUB, false));
        l.add(new Form(sse("ucomisd", 0x66, 0x2e, BOTH), PAIR, true, 1, Mxcsr.SUB, false));
        l.add(new Form(sse("comiss", 0, 0x2f, BOTH), PAIR, false, 1, Mxcsr.SUB, false));
        l.add(new Form(sse("comisd", 0x66, 0x2f, BOTH), PAIR, true, 1, Mxcsr.SUB, false));
        return l;
    }

    static List<Form> conversions() {
        List<Form> l = new ArrayList<>();
        l.add(new Form(sse("cvtsi2sd", 0xf2, 0x2a, BOTH).withGprRm(), FROM_INT, true, 1, 32, false));
        l.add(new Form(sse("cvtsi2sd", 0xf2, 0x2a, BOTH).withGprRm().w(), FROM_INT, true, 1, 64, false));
        l.add(new Form(sse("cvtsi2ss", 0xf3, 0x2a, BOTH).withGprRm(), FROM_INT, false, 1, 32, false));
        l.add(new Form(sse("cvtsi2ss", 0xf3, 0x2a, BOTH).withGprRm().w(), FROM_INT, false, 1, 64, false));
        l.add(new Form(sse("cvtdq2pd", 0xf3, 0xe6, BOTH), FROM_INT, false, 2, 32, false));
        l.add(new Form(sse("cvtdq2ps", 0, 0x5b, BOTH), FROM_INT, false, 4, 32, false));
        l.add(new Form(sse("cvtpi2pd", 0x66, 0x2a, BOTH), FROM_INT, false, 2, 32, true));
        l.add(new Form(sse("cvtpi2ps", 0, 0x2a, BOTH), FROM_INT, false, 2, 32, true));
        for (int op = 0x2c; op <= 0x2d; op++) {
            String t = op == 0x2c ? "cvtt" : "cvt";
            l.add(new Form(sse(t + "sd2si", 0xf2, op, BOTH).withGprReg(), TO_INT, true, 1, 32, false));
            l.add(new Form(sse(t + "sd2si", 0xf2, op, BOTH).withGprReg().w(), TO_INT, true, 1, 64, false));
            l.add(new Form(sse(t + "ss2si", 0xf3, op, BOTH).withGprReg(), TO_INT, false, 1, 32, false));
            l.add(new Form(sse(t + "ss2si", 0xf3, op, BOTH).withGprReg().w(), TO_INT, false, 1, 64, false));
            l.add(new Form(sse(t + "pd2pi", 0x66, op, BOTH), TO_INT, true, 2, 32, false));
            l.add(new Form(sse(t + "ps2pi", 0, op, BOTH), TO_INT, false, 2, 32, false));
        }
        l.add(new Form(sse("cvttpd2dq", 0x66, 0xe6, BOTH), TO_INT, true, 2, 32, false));
        l.add(new Form(sse("cvtpd2dq", 0xf2, 0xe6, BOTH), TO_INT, true, 2, 32, false));
        l.add(new Form(sse("cvtps2dq", 0x66, 0x5b, BOTH), TO_INT, false, 4, 32, false));
        l.add(new Form(sse("cvttps2dq", 0xf3, 0x5b, BOTH), TO_INT, false, 4, 32, false));
        l.add(new Form(sse("cvtsd2ss", 0xf2, 0x5a, BOTH), NARROW, true, 1, 0, false));
        l.add(new Form(sse("cvtpd2ps", 0x66, 0x5a, BOTH), NARROW, true, 2, 0, false));
        l.add(new Form(sse("cvtss2sd", 0xf3, 0x5a, BOTH), WIDEN, false, 1, 0, false));
        l.add(new Form(sse("cvtps2pd", 0, 0x5a, BOTH), WIDEN, false, 2, 0, false));
        return l;
    }

    static List<Form> logic() {
        List<Form> l = new ArrayList<>();
        int[][] ops = {{0x66, 0xef}, {0x66, 0xdb}, {0x66, 0xeb}, {0x66, 0xdf}, {0, 0x57}, {0x66, 0x57}, {0, 0x54},
            {0x66, 0x54}, {0, 0x55}, {0x66, 0x55}, {0, 0x56}, {0x66, 0x56}};
        for (int[] o : ops) {
            l.add(new Form(sse(String.format("logic.%02x.%02x", o[0], o[1]), o[0], o[1], BOTH), BITS, false, 0, 0, false));
        }
        return l;
    }

    /**
     * n cases per form (or -Dfpu.diff.cases=N, for long runs by hand; a different
     * -Dfpu.diff.seed=S adds fresh cases), in batches that bound the memory a long run takes.
     */
    private static void run(List<Form> forms, int n, long seed) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed ^ Long.getLong("fpu.diff.seed", 0));
        Gen g = new Gen(rnd);
        EdgeGen e = new EdgeGen(rnd);
        int perForm = DiffRunner.casesPerSpec(n);
        DiffRunner r = new DiffRunner();
        List<DiffCase> batch = new ArrayList<>();
        for (int done = 0; done < perForm; done += 500) {
            for (Form f : forms) {
                for (int i = done; i < Math.min(perForm, done + 500); i++) {
                    batch.add(instance(f, rnd, g, e));
                }
            }
            r.check(oracle, batch);
            batch.clear();
        }
        System.out.println(r.summary());
        assertTrue(r.failures.isEmpty(), r.summary() + "\n" + String.join("\n", r.failures));
    }

    /** A case of form f: random state from Gen, then the operands and MXCSR put in place. */
    static DiffCase instance(Form f, SplittableRandom rnd, Gen g, EdgeGen e) {
        byte[] fx = g.fx(false, false);
        SimdState.put(fx, 24, 4, MXCSR[rnd.nextInt(MXCSR.length)]);
        long[] gpr = g.gpr();
        byte[] mem = g.mem(64);
        DiffCase c;
        if (f.gen() == BITS && rnd.nextInt(3) == 0) {
            c = sameRegister(f.spec(), rnd.nextInt(16), fx, gpr, mem, g.rflags());
        } else {
            c = f.spec().instance(rnd, fx, gpr, mem, g.rflags(), rnd.nextInt(8));
        }
        SimdInsn in = c.insn();
        long[] dst = g.xmm();
        long[] src = g.xmm();
        for (int i = 0; i < f.lanes(); i++) {
            switch (f.gen()) {
                case PAIR -> {
                    long[] ab = e.pair(f.op(), f.dbl());
                    setLane(dst, i, f.dbl(), ab[0]);
                    setLane(src, i, f.dbl(), ab[1]);
                }
                case TO_INT -> setLane(src, i, f.dbl(), e.toIntSource(f.dbl(), in.rexW() ? 64 : 32));
                case FROM_INT -> {
                    if (f.op() == 64) {
                        src[0] = e.intSource(64);
                    } else {
                        setLane(src, i, false, e.intSource(32));
                    }
                }
                case NARROW -> setLane(src, i, true, e.narrowSource());
                case WIDEN -> setLane(src, i, false, rnd.nextBoolean() ? e.any(false) : e.denormal(false));
                default -> {
                }
            }
        }
        SimdState.put(fx, 160 + 16 * in.reg(), 8, dst[0]);
        SimdState.put(fx, 168 + 16 * in.reg(), 8, dst[1]);
        if (in.memory()) {
            SimdState.put(mem, 0, 8, src[0]);
            SimdState.put(mem, 8, 8, src[1]);
        } else if (f.spec().gprRm()) {
            gpr[in.rm()] = src[0];
        } else if (f.mmxSrc()) {
            int top = (int) (SimdState.get(fx, 2, 2) >> 11) & 7;
            SimdState.put(fx, 32 + 16 * ((in.rm() - top) & 7), 8, src[0]);
        } else if (f.gen() != BITS || in.rm() != in.reg()) {
            SimdState.put(fx, 160 + 16 * in.rm(), 8, src[0]);
            SimdState.put(fx, 168 + 16 * in.rm(), 8, src[1]);
        }
        return c;
    }

    /** The register-register form with both operands the same register (PXOR xmm0, xmm0). */
    private static DiffCase sameRegister(Spec s, int reg, byte[] fx, long[] gpr, byte[] mem, long rflags) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        if (s.prefix() != 0) {
            b.write(s.prefix());
        }
        if (reg > 7) {
            b.write(0x45);
        }
        b.write(0x0f);
        b.write(s.opcode());
        int modrm = 0xc0 | (reg & 7) << 3 | (reg & 7);
        b.write(modrm);
        SimdInsn in = new SimdInsn(0x0f, s.opcode(), s.prefix(), modrm, reg, reg, false, false, 4, 0);
        return new DiffCase(s, b.toByteArray(), in, fx, gpr, mem, rflags);
    }

    private static void setLane(long[] v, int i, boolean dbl, long bits) {
        if (dbl) {
            v[i] = bits;
        } else {
            SseArith.setF(v, i, (int) bits);
        }
    }

    @Test
    void arithmeticEdgesMatchHost() throws Exception {
        run(arithmetic(), 1000, 11);
    }

    @Test
    void conversionEdgesMatchHost() throws Exception {
        run(conversions(), 1500, 12);
    }

    @Test
    void logicMatchesHost() throws Exception {
        run(logic(), 150, 13);
    }
}
