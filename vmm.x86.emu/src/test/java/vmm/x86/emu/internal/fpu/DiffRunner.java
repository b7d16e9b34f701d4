package vmm.x86.emu.internal.fpu;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import vmm.core.hypervisor.state.FpuState;

/**
 * Runs specs through the native oracle and through {@link FpuUnit} with a {@link FakeHost}, and
 * compares the whole state after each case bit for bit: the FXSAVE image (the last-instruction
 * pointers FOP/FIP/FDP excepted: the unit does not track them), the general registers the
 * oracle loads, the 64-byte memory operand, RFLAGS, or the exception vector (with MXCSR for #XM
 * and the status word for #MF).
 */
final class DiffRunner {

    private static final HexFormat HEX = HexFormat.of();
    private static final int[] GPRS = {0, 1, 2, 3, 8, 9, 10, 11};

    final List<String> failures = new ArrayList<>();
    final Map<String, int[]> perSpec = new LinkedHashMap<>();
    int cases;
    int faults;

    /** Number of cases per spec: the default, or -Dfpu.diff.cases=N. */
    static int casesPerSpec(int dflt) {
        return Integer.getInteger("fpu.diff.cases", dflt);
    }

    void run(NativeOracle oracle, List<Spec> specs, int perSpecCount, long seed, boolean x87Unmask, boolean sseUnmask)
            throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        Gen g = new Gen(rnd);
        List<DiffCase> batch = new ArrayList<>();
        for (Spec s : specs) {
            for (int i = 0; i < perSpecCount; i++) {
                int imm = rnd.nextInt(3) == 0 ? rnd.nextInt(256) : rnd.nextInt(8);
                byte[] mem = g.mem(s.memSize());
                if (s.map() == 0x0f && s.opcode() == 0xae && s.regField() == 1) {
                    mem = g.fx(x87Unmask, sseUnmask); // FXRSTOR: a plausible image
                    if (rnd.nextInt(4) == 0) {
                        SimdState.put(mem, 24, 4, rnd.nextInt());
                    }
                }
                batch.add(s.instance(rnd, g.fx(x87Unmask, sseUnmask), g.gpr(), mem, g.rflags(), imm));
            }
        }
        check(oracle, batch);
    }

    /** Runs prepared cases (operands and MXCSR chosen by the caller) and compares them. */
    void check(NativeOracle oracle, List<DiffCase> batch) throws Exception {
        List<NativeOracle.Result> want = oracle.run(batch);
        for (int i = 0; i < batch.size(); i++) {
            check(batch.get(i), want.get(i));
        }
    }

    private void check(DiffCase c, NativeOracle.Result want) {
        cases++;
        int[] st = perSpec.computeIfAbsent(c.spec().name(), k -> new int[2]);
        st[0]++;
        FpuUnit u = new FpuUnit();
        u.restore(new FpuState(c.fx()));
        FakeHost h = new FakeHost(c.mem().length);
        System.arraycopy(c.gpr(), 0, h.gpr, 0, 16);
        System.arraycopy(c.mem(), 0, h.mem, 0, c.mem().length);
        h.rflags = c.rflags();
        int vector = -1;
        try {
            u.execute(c.insn(), h);
        } catch (FakeHost.Fault f) {
            vector = f.vector;
        } catch (RuntimeException e) {
            fail(c, st, "threw " + e);
            return;
        }
        byte[] fx = u.save().fxsave();
        if (!want.ok()) {
            faults++;
            if (vector != want.vector()) {
                fail(c, st, "expected exception " + want.vector() + ", got " + (vector < 0 ? "none" : vector)
                        + describeOut(fx, h));
                return;
            }
            int mx = (int) SimdState.get(fx, 24, 4);
            if (vector == 19 && mx != want.mxcsr()) {
                fail(c, st, String.format("#XM with MXCSR %08x, expected %08x", mx, want.mxcsr()));
            }
            int sw = (int) SimdState.get(fx, 2, 2);
            if (vector == 16 && sw != want.fsw()) {
                fail(c, st, String.format("#MF with FSW %04x, expected %04x", sw, want.fsw()));
            }
            return;
        }
        if (vector >= 0) {
            fail(c, st, "raised exception " + vector + " where the CPU completed");
            return;
        }
        StringBuilder diff = new StringBuilder();
        byte[] wfx = want.fx();
        boolean approxRcp = c.spec().check() == Spec.APPROX_RCP;
        boolean approxX87 = c.spec().check() == Spec.APPROX_X87;
        int skipLo = -1;
        int skipHi = -1;
        if (approxRcp) {
            skipLo = 160 + 16 * c.insn().reg();
            skipHi = skipLo + 16;
            checkRcp(c, wfx, fx, skipLo, diff);
        }
        if (approxX87) {
            skipLo = 32;
            skipHi = 64;
            checkX87Approx(c, wfx, fx, diff);
        }
        for (int off = 0; off < 416; off++) {
            if ((off >= 6 && off < 24) || (off >= skipLo && off < skipHi)) {
                continue;
            }
            int a = wfx[off] & 0xff;
            int b = fx[off] & 0xff;
            if (approxX87 && off == 2) {
                a &= ~0xa0;
                b &= ~0xa0;
            }
            if (approxX87 && off == 3) {
                a &= ~0x82;
                b &= ~0x82;
            }
            if (a != b) {
                String name = fieldName(off);
                diff.append(' ').append(name).append(": want ").append(hexField(wfx, off)).append(" got ")
                        .append(hexField(fx, off));
                off = fieldEnd(off) - 1;
            }
        }
        for (int g : GPRS) {
            if (want.gpr()[g] != h.gpr[g]) {
                diff.append(String.format(" gpr%d: want %016x got %016x", g, want.gpr()[g], h.gpr[g]));
            }
        }
        if (c.spec().check() == Spec.ENV) {
            System.arraycopy(want.mem(), 12, h.mem, 12, 16);
        }
        if (c.spec().check() == Spec.ENV16) {
            System.arraycopy(want.mem(), 6, h.mem, 6, 8);
        }
        if (c.spec().check() == Spec.FXSAVE) {
            // the last-instruction pointers, and the area FXSAVE leaves alone
            System.arraycopy(want.mem(), 6, h.mem, 6, 18);
            System.arraycopy(want.mem(), 416, h.mem, 416, 96);
        }
        if (!java.util.Arrays.equals(want.mem(), h.mem)) {
            diff.append(" mem: want ").append(HEX.formatHex(want.mem(), 0, 32)).append(" got ")
                    .append(HEX.formatHex(h.mem, 0, 32));
        }
        if ((want.rflags() & 0x8d5) != (h.rflags & 0x8d5)) {
            diff.append(String.format(" rflags: want %x got %x", want.rflags() & 0x8d5, h.rflags & 0x8d5));
        }
        if (!diff.isEmpty()) {
            fail(c, st, diff.toString());
        }
    }

    private static void checkRcp(DiffCase c, byte[] wfx, byte[] fx, int base, StringBuilder diff) {
        int lanes = c.insn().prefix() == 0xf3 ? 1 : 4;
        for (int i = 0; i < 4; i++) {
            int w = (int) SimdState.get(wfx, base + 4 * i, 4);
            int g = (int) SimdState.get(fx, base + 4 * i, 4);
            if (w == g) {
                continue;
            }
            float fw = Float.intBitsToFloat(w);
            float fg = Float.intBitsToFloat(g);
            boolean close = i < lanes && Float.isFinite(fw) && Float.isFinite(fg) && fw != 0
                    && Math.abs(fw - fg) <= 1.5 * 0x1p-12 * Math.abs(fg) * 1.0001;
            if (!close) {
                diff.append(String.format(" lane%d: want %08x got %08x", i, w, g));
            }
        }
    }

    private static void checkX87Approx(DiffCase c, byte[] wfx, byte[] fx, StringBuilder diff) {
        for (int i = 0; i < 2; i++) {
            int o = 32 + 16 * i;
            long wm = SimdState.get(wfx, o, 8);
            int ws = (int) SimdState.get(wfx, o + 8, 2);
            long gm = SimdState.get(fx, o, 8);
            int gs = (int) SimdState.get(fx, o + 8, 2);
            if (wm == gm && ws == gs) {
                continue;
            }
            boolean special = (ws & 0x7fff) == 0x7fff || (gs & 0x7fff) == 0x7fff || (ws & 0x8000) != (gs & 0x8000);
            // compare the significands on the larger exponent's scale
            int we = ws & 0x7fff;
            int ge = gs & 0x7fff;
            int top = Math.max(we, ge);
            double a = Math.scalb((double) (wm >>> 11), Math.max(-1100, we - top));
            double b = Math.scalb((double) (gm >>> 11), Math.max(-1100, ge - top));
            double tol = 0x1p-48 * Math.max(Math.abs(a), Math.abs(b)) + (top < 0x3fff + 8 ? 0x1p-60 * 0x1p52 : 0);
            if (special || !(Math.abs(a - b) <= tol)) {
                diff.append(String.format(" ST%d: want %04x:%016x (%s) got %04x:%016x (%s)", i, ws, wm, a, gs, gm, b));
            }
        }
    }

    private void fail(DiffCase c, int[] st, String what) {
        st[1]++;
        if (st[1] <= 3 && failures.size() < 200) {
            failures.add(c.spec().name() + " [" + HEX.formatHex(c.code()) + "] " + what + "\n    in: "
                    + describeIn(c));
        }
    }

    private static String describeIn(DiffCase c) {
        byte[] fx = c.fx();
        StringBuilder b = new StringBuilder();
        b.append(String.format("FCW %04x FSW %04x FTW %02x MXCSR %08x", SimdState.get(fx, 0, 2),
                SimdState.get(fx, 2, 2), SimdState.get(fx, 4, 1), SimdState.get(fx, 24, 4)));
        SimdInsn in = c.insn();
        if (c.spec().kind() == Spec.X87) {
            for (int i = 0; i < 3; i++) {
                b.append(String.format(" ST%d %04x:%016x", i, SimdState.get(fx, 40 + 16 * i, 2), SimdState.get(fx, 32 + 16 * i, 8)));
            }
        } else if (c.spec().kind() == Spec.XMM) {
            b.append(String.format(" reg%d %016x_%016x", in.reg(), SimdState.get(fx, 168 + 16 * in.reg(), 8),
                    SimdState.get(fx, 160 + 16 * in.reg(), 8)));
            if (!in.memory()) {
                b.append(String.format(" rm%d %016x_%016x", in.rm(), SimdState.get(fx, 168 + 16 * in.rm(), 8),
                        SimdState.get(fx, 160 + 16 * in.rm(), 8)));
            }
        } else {
            b.append(String.format(" mm%d %016x mm%d %016x", in.reg(), SimdState.get(fx, 32 + 16 * in.reg(), 8),
                    in.rm(), SimdState.get(fx, 32 + 16 * in.rm(), 8)));
        }
        if (in.memory()) {
            b.append(" mem ").append(HEX.formatHex(c.mem(), 0, 16));
        }
        b.append(String.format(" rflags %x", c.rflags()));
        return b.toString();
    }

    private static String describeOut(byte[] fx, FakeHost h) {
        return String.format(" (unit: FSW %04x MXCSR %08x)", SimdState.get(fx, 2, 2), SimdState.get(fx, 24, 4));
    }

    private static String fieldName(int off) {
        if (off < 2) {
            return "FCW";
        }
        if (off < 4) {
            return "FSW";
        }
        if (off < 6) {
            return "FTW";
        }
        if (off < 28) {
            return "MXCSR";
        }
        if (off < 32) {
            return "MXCSR_MASK";
        }
        if (off < 160) {
            return "ST" + (off - 32) / 16;
        }
        return "XMM" + (off - 160) / 16;
    }

    private static int fieldEnd(int off) {
        if (off < 32) {
            return off < 6 ? (off | 1) + 1 : off < 28 ? 28 : 32;
        }
        return off - (off - 32) % 16 + 16;
    }

    private static String hexField(byte[] fx, int off) {
        int start;
        int len;
        if (off < 32) {
            start = off < 6 ? off & ~1 : off < 28 ? 24 : 28;
            len = off < 6 ? 2 : 4;
        } else {
            start = off - (off - 32) % 16;
            len = off < 160 ? 10 : 16;
        }
        StringBuilder b = new StringBuilder();
        for (int i = start + len - 1; i >= start; i--) {
            b.append(String.format("%02x", fx[i] & 0xff));
        }
        return b.toString();
    }

    String summary() {
        StringBuilder b = new StringBuilder();
        b.append(cases).append(" cases (").append(faults).append(" faulting on the CPU), ")
                .append(perSpec.values().stream().mapToInt(a -> a[1]).sum()).append(" mismatches");
        perSpec.forEach((k, v) -> {
            if (v[1] > 0) {
                b.append("\n  ").append(k).append(": ").append(v[1]).append('/').append(v[0]);
            }
        });
        return b.toString();
    }
}
