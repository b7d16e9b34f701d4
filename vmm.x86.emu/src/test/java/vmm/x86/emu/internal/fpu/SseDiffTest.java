package vmm.x86.emu.internal.fpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.x86.emu.internal.fpu.Spec.BOTH;
import static vmm.x86.emu.internal.fpu.Spec.MEM;
import static vmm.x86.emu.internal.fpu.Spec.REG;
import static vmm.x86.emu.internal.fpu.Spec.sse;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SSE/SSE2/SSE3 floating point, conversions and moves against the host CPU. */
class SseDiffTest {

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

    static final int[] PFX = {0, 0x66, 0xf3, 0xf2};
    static final String[] SUF = {"ps", "pd", "ss", "sd"};

    static List<Spec> arithmetic() {
        List<Spec> l = new ArrayList<>();
        String[] names = {"sqrt", "", "", "", "", "", "", "add", "mul", "", "", "sub", "min", "div", "max"};
        for (int op = 0x51; op <= 0x5f; op++) {
            String n = names[op - 0x51];
            if (n.isEmpty()) {
                continue;
            }
            for (int p = 0; p < 4; p++) {
                l.add(sse(n + SUF[p], PFX[p], op, BOTH));
            }
        }
        for (int p = 0; p < 4; p++) {
            l.add(sse("cmp" + SUF[p], PFX[p], 0xc2, BOTH));
        }
        l.add(sse("ucomiss", 0, 0x2e, BOTH));
        l.add(sse("ucomisd", 0x66, 0x2e, BOTH));
        l.add(sse("comiss", 0, 0x2f, BOTH));
        l.add(sse("comisd", 0x66, 0x2f, BOTH));
        l.add(sse("addsubpd", 0x66, 0xd0, BOTH));
        l.add(sse("addsubps", 0xf2, 0xd0, BOTH));
        l.add(sse("haddpd", 0x66, 0x7c, BOTH));
        l.add(sse("haddps", 0xf2, 0x7c, BOTH));
        l.add(sse("hsubpd", 0x66, 0x7d, BOTH));
        l.add(sse("hsubps", 0xf2, 0x7d, BOTH));
        return l;
    }

    static List<Spec> conversions() {
        List<Spec> l = new ArrayList<>();
        l.add(sse("cvtpi2ps", 0, 0x2a, BOTH));
        l.add(sse("cvtpi2pd", 0x66, 0x2a, BOTH));
        l.add(sse("cvtsi2ss", 0xf3, 0x2a, BOTH).withGprRm());
        l.add(sse("cvtsi2ss", 0xf3, 0x2a, BOTH).withGprRm().w());
        l.add(sse("cvtsi2sd", 0xf2, 0x2a, BOTH).withGprRm());
        l.add(sse("cvtsi2sd", 0xf2, 0x2a, BOTH).withGprRm().w());
        for (int op = 0x2c; op <= 0x2d; op++) {
            String t = op == 0x2c ? "cvtt" : "cvt";
            l.add(sse(t + "ps2pi", 0, op, BOTH));
            l.add(sse(t + "pd2pi", 0x66, op, BOTH));
            l.add(sse(t + "ss2si", 0xf3, op, BOTH).withGprReg());
            l.add(sse(t + "ss2si", 0xf3, op, BOTH).withGprReg().w());
            l.add(sse(t + "sd2si", 0xf2, op, BOTH).withGprReg());
            l.add(sse(t + "sd2si", 0xf2, op, BOTH).withGprReg().w());
        }
        l.add(sse("cvtps2pd", 0, 0x5a, BOTH));
        l.add(sse("cvtpd2ps", 0x66, 0x5a, BOTH));
        l.add(sse("cvtss2sd", 0xf3, 0x5a, BOTH));
        l.add(sse("cvtsd2ss", 0xf2, 0x5a, BOTH));
        l.add(sse("cvtdq2ps", 0, 0x5b, BOTH));
        l.add(sse("cvtps2dq", 0x66, 0x5b, BOTH));
        l.add(sse("cvttps2dq", 0xf3, 0x5b, BOTH));
        l.add(sse("cvttpd2dq", 0x66, 0xe6, BOTH));
        l.add(sse("cvtdq2pd", 0xf3, 0xe6, BOTH));
        l.add(sse("cvtpd2dq", 0xf2, 0xe6, BOTH));
        return l;
    }

    static List<Spec> moves() {
        List<Spec> l = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            l.add(sse("movu" + SUF[p], PFX[p], 0x10, BOTH));
            l.add(sse("movu" + SUF[p] + ".st", PFX[p], 0x11, BOTH));
        }
        for (int p = 0; p < 2; p++) {
            l.add(sse("movl" + SUF[p], PFX[p], 0x12, BOTH));
            l.add(sse("movl" + SUF[p] + ".st", PFX[p], 0x13, MEM));
            l.add(sse("movh" + SUF[p], PFX[p], 0x16, BOTH));
            l.add(sse("movh" + SUF[p] + ".st", PFX[p], 0x17, MEM));
            l.add(sse("unpckl" + SUF[p], PFX[p], 0x14, BOTH));
            l.add(sse("unpckh" + SUF[p], PFX[p], 0x15, BOTH));
            l.add(sse("mova" + SUF[p], PFX[p], 0x28, BOTH));
            l.add(sse("mova" + SUF[p] + ".st", PFX[p], 0x29, BOTH));
            l.add(sse("movnt" + SUF[p], PFX[p], 0x2b, MEM));
            l.add(sse("movmsk" + SUF[p], PFX[p], 0x50, REG).withGprReg());
            l.add(sse("and" + SUF[p], PFX[p], 0x54, BOTH));
            l.add(sse("andn" + SUF[p], PFX[p], 0x55, BOTH));
            l.add(sse("or" + SUF[p], PFX[p], 0x56, BOTH));
            l.add(sse("xor" + SUF[p], PFX[p], 0x57, BOTH));
            l.add(sse("shuf" + SUF[p], PFX[p], 0xc6, BOTH));
        }
        l.add(sse("movddup", 0xf2, 0x12, BOTH));
        l.add(sse("movsldup", 0xf3, 0x12, BOTH));
        l.add(sse("movshdup", 0xf3, 0x16, BOTH));
        l.add(sse("movd.x", 0x66, 0x6e, BOTH).withGprRm());
        l.add(sse("movq.x", 0x66, 0x6e, BOTH).withGprRm().w());
        l.add(sse("movd.x.st", 0x66, 0x7e, BOTH).withGprRm());
        l.add(sse("movq.x.st", 0x66, 0x7e, BOTH).withGprRm().w());
        l.add(sse("movq.f3", 0xf3, 0x7e, BOTH));
        l.add(sse("movdqa", 0x66, 0x6f, BOTH));
        l.add(sse("movdqu", 0xf3, 0x6f, BOTH));
        l.add(sse("movdqa.st", 0x66, 0x7f, BOTH));
        l.add(sse("movdqu.st", 0xf3, 0x7f, BOTH));
        l.add(sse("movq.d6", 0x66, 0xd6, BOTH));
        l.add(sse("movq2dq", 0xf3, 0xd6, REG));
        l.add(sse("movdq2q", 0xf2, 0xd6, REG));
        l.add(sse("movntdq", 0x66, 0xe7, MEM));
        l.add(sse("lddqu", 0xf2, 0xf0, MEM));
        l.add(sse("rcpps", 0, 0x53, BOTH).check(Spec.APPROX_RCP));
        l.add(sse("rcpss", 0xf3, 0x53, BOTH).check(Spec.APPROX_RCP));
        l.add(sse("rsqrtps", 0, 0x52, BOTH).check(Spec.APPROX_RCP));
        l.add(sse("rsqrtss", 0xf3, 0x52, BOTH).check(Spec.APPROX_RCP));
        l.add(new Spec("ldmxcsr", 0, 0x0f, 0xae, 2, MEM, Spec.XMM, false, false, false, -1, Spec.EXACT));
        l.add(new Spec("stmxcsr", 0, 0x0f, 0xae, 3, MEM, Spec.XMM, false, false, false, -1, Spec.EXACT));
        l.add(new Spec("fxsave", 0, 0x0f, 0xae, 0, MEM, Spec.XMM, false, false, false, -1, Spec.FXSAVE));
        l.add(new Spec("fxsave", 0, 0x0f, 0xae, 0, MEM, Spec.XMM, false, false, false, -1, Spec.FXSAVE).w());
        l.add(new Spec("fxrstor", 0, 0x0f, 0xae, 1, MEM, Spec.XMM, false, false, false, -1, Spec.FXSAVE));
        l.add(new Spec("fxrstor", 0, 0x0f, 0xae, 1, MEM, Spec.XMM, false, false, false, -1, Spec.FXSAVE).w());
        return l;
    }

    private static void run(List<Spec> specs, int n, long seed, boolean unmask) throws Exception {
        DiffRunner r = new DiffRunner();
        r.run(oracle, specs, DiffRunner.casesPerSpec(n), seed, false, unmask);
        System.out.println(r.summary());
        assertTrue(r.failures.isEmpty(), r.summary() + "\n" + String.join("\n", r.failures));
    }

    @Test
    void arithmeticMatchesHost() throws Exception {
        run(arithmetic(), 600, 1, false);
    }

    @Test
    void arithmeticWithUnmaskedExceptionsMatchesHost() throws Exception {
        run(arithmetic(), 200, 2, true);
    }

    @Test
    void conversionsMatchHost() throws Exception {
        run(conversions(), 500, 3, true);
    }

    @Test
    void movesMatchHost() throws Exception {
        run(moves(), 150, 4, false);
    }
}
