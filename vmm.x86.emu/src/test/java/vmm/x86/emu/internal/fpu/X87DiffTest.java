package vmm.x86.emu.internal.fpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.x86.emu.internal.fpu.Spec.MEM;
import static vmm.x86.emu.internal.fpu.Spec.REG;
import static vmm.x86.emu.internal.fpu.Spec.x87;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The x87 instruction set against the host CPU: every escape, memory and register forms. */
class X87DiffTest {

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

    private static final String[] ARITH = {"fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"};

    /** A register form with a fixed ModRM (rm fixed too). */
    private static Spec fixed(String name, int op, int modrm) {
        return x87(name, op, (modrm >> 3) & 7, REG).rm(modrm & 7);
    }

    static List<Spec> arithmetic() {
        List<Spec> l = new ArrayList<>();
        for (int r = 0; r < 8; r++) {
            l.add(x87(ARITH[r] + ".m32", 0xd8, r, MEM));
            l.add(x87(ARITH[r] + ".m64", 0xdc, r, MEM));
            l.add(x87("fi" + ARITH[r].substring(1) + ".m32", 0xda, r, MEM));
            l.add(x87("fi" + ARITH[r].substring(1) + ".m16", 0xde, r, MEM));
            l.add(x87(ARITH[r] + ".st0sti", 0xd8, r, REG));
            l.add(x87(ARITH[r] + ".stist0", 0xdc, r, REG));
            if (r != 2) {
                l.add(r == 3 ? fixed("fcompp", 0xde, 0xd9) : x87(ARITH[r] + "p", 0xde, r, REG));
            }
        }
        l.add(fixed("fsqrt", 0xd9, 0xfa));
        l.add(fixed("frndint", 0xd9, 0xfc));
        l.add(fixed("fscale", 0xd9, 0xfd));
        l.add(fixed("fxtract", 0xd9, 0xf4));
        l.add(fixed("fprem", 0xd9, 0xf8));
        l.add(fixed("fprem1", 0xd9, 0xf5));
        l.add(fixed("ftst", 0xd9, 0xe4));
        l.add(fixed("fxam", 0xd9, 0xe5));
        l.add(fixed("fchs", 0xd9, 0xe0));
        l.add(fixed("fabs", 0xd9, 0xe1));
        l.add(fixed("fucompp", 0xda, 0xe9));
        l.add(x87("fucom", 0xdd, 4, REG));
        l.add(x87("fucomp", 0xdd, 5, REG));
        l.add(x87("fucomi", 0xdb, 5, REG));
        l.add(x87("fcomi", 0xdb, 6, REG));
        l.add(x87("fucomip", 0xdf, 5, REG));
        l.add(x87("fcomip", 0xdf, 6, REG));
        return l;
    }

    static List<Spec> transfers() {
        List<Spec> l = new ArrayList<>();
        l.add(x87("fld.m32", 0xd9, 0, MEM));
        l.add(x87("fst.m32", 0xd9, 2, MEM));
        l.add(x87("fstp.m32", 0xd9, 3, MEM));
        l.add(x87("fld.m64", 0xdd, 0, MEM));
        l.add(x87("fst.m64", 0xdd, 2, MEM));
        l.add(x87("fstp.m64", 0xdd, 3, MEM));
        l.add(x87("fld.m80", 0xdb, 5, MEM));
        l.add(x87("fstp.m80", 0xdb, 7, MEM));
        l.add(x87("fild.m16", 0xdf, 0, MEM));
        l.add(x87("fild.m32", 0xdb, 0, MEM));
        l.add(x87("fild.m64", 0xdf, 5, MEM));
        l.add(x87("fist.m16", 0xdf, 2, MEM));
        l.add(x87("fistp.m16", 0xdf, 3, MEM));
        l.add(x87("fist.m32", 0xdb, 2, MEM));
        l.add(x87("fistp.m32", 0xdb, 3, MEM));
        l.add(x87("fistp.m64", 0xdf, 7, MEM));
        l.add(x87("fisttp.m16", 0xdf, 1, MEM));
        l.add(x87("fisttp.m32", 0xdb, 1, MEM));
        l.add(x87("fisttp.m64", 0xdd, 1, MEM));
        l.add(x87("fbld", 0xdf, 4, MEM));
        l.add(x87("fbstp", 0xdf, 6, MEM));
        l.add(x87("fld.st", 0xd9, 0, REG));
        l.add(x87("fst.st", 0xdd, 2, REG));
        l.add(x87("fstp.st", 0xdd, 3, REG));
        l.add(x87("fxch", 0xd9, 1, REG));
        l.add(x87("ffree", 0xdd, 0, REG));
        l.add(x87("ffreep", 0xdf, 0, REG));
        for (int cc = 0; cc < 4; cc++) {
            l.add(x87("fcmov" + cc, 0xda, cc, REG));
            l.add(x87("fcmovn" + cc, 0xdb, cc, REG));
        }
        for (int k = 0; k < 7; k++) {
            l.add(fixed("fldconst" + k, 0xd9, 0xe8 + k));
        }
        l.add(fixed("fincstp", 0xd9, 0xf7));
        l.add(fixed("fdecstp", 0xd9, 0xf6));
        l.add(fixed("fnop", 0xd9, 0xd0));
        l.add(fixed("fnclex", 0xdb, 0xe2));
        l.add(fixed("fninit", 0xdb, 0xe3));
        l.add(fixed("fnstsw.ax", 0xdf, 0xe0));
        l.add(x87("fnstsw.m", 0xdd, 7, MEM));
        l.add(x87("fnstcw", 0xd9, 7, MEM));
        l.add(x87("fldcw", 0xd9, 5, MEM));
        l.add(x87("fnstenv", 0xd9, 6, MEM).check(Spec.ENV));
        l.add(x87("fldenv", 0xd9, 4, MEM));
        l.add(x87("fnsave", 0xdd, 6, MEM).check(Spec.ENV));
        l.add(x87("frstor", 0xdd, 4, MEM));
        l.add(x87("fnstenv", 0xd9, 6, MEM).check(Spec.ENV16).o16());
        l.add(x87("fldenv", 0xd9, 4, MEM).o16());
        l.add(x87("fnsave", 0xdd, 6, MEM).check(Spec.ENV16).o16());
        l.add(x87("frstor", 0xdd, 4, MEM).o16());
        return l;
    }

    static List<Spec> transcendental() {
        List<Spec> l = new ArrayList<>();
        int[] ops = {0xf0, 0xf1, 0xf2, 0xf3, 0xf9, 0xfb, 0xfe, 0xff};
        String[] names = {"f2xm1", "fyl2x", "fptan", "fpatan", "fyl2xp1", "fsincos", "fsin", "fcos"};
        for (int i = 0; i < ops.length; i++) {
            l.add(fixed(names[i], 0xd9, ops[i]).check(Spec.APPROX_X87));
        }
        return l;
    }

    private static void run(List<Spec> specs, int n, long seed, boolean unmask) throws Exception {
        DiffRunner r = new DiffRunner();
        r.run(oracle, specs, DiffRunner.casesPerSpec(n), seed, unmask, false);
        System.out.println(r.summary());
        assertTrue(r.failures.isEmpty(), r.summary() + "\n" + String.join("\n", r.failures));
    }

    @Test
    void arithmeticMatchesHost() throws Exception {
        run(arithmetic(), 300, 21, false);
    }

    @Test
    void arithmeticWithUnmaskedExceptionsMatchesHost() throws Exception {
        run(arithmetic(), 150, 22, true);
    }

    @Test
    void transfersMatchHost() throws Exception {
        run(transfers(), 300, 23, true);
    }

    @Test
    void transcendentalsAreCloseToHost() throws Exception {
        run(transcendental(), 300, 24, false);
    }
}
