package vmm.x86.emu.internal.fpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.x86.emu.internal.fpu.Spec.BOTH;
import static vmm.x86.emu.internal.fpu.Spec.MEM;
import static vmm.x86.emu.internal.fpu.Spec.REG;
import static vmm.x86.emu.internal.fpu.Spec.mmx;
import static vmm.x86.emu.internal.fpu.Spec.sse;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MMX and SSE2 packed-integer instructions against the host CPU, both register files. */
class PackedIntDiffTest {

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

    static final int[] BINARY = {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x74, 0x75,
        0x76, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3,
        0xe4, 0xe5, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf8, 0xf9,
        0xfa, 0xfb, 0xfc, 0xfd, 0xfe};

    static List<Spec> xmm() {
        List<Spec> l = new ArrayList<>();
        for (int op : BINARY) {
            l.add(sse(String.format("x.%02x", op), 0x66, op, BOTH));
        }
        l.add(sse("punpcklqdq", 0x66, 0x6c, BOTH));
        l.add(sse("punpckhqdq", 0x66, 0x6d, BOTH));
        l.add(sse("pshufd", 0x66, 0x70, BOTH));
        l.add(sse("pshufhw", 0xf3, 0x70, BOTH));
        l.add(sse("pshuflw", 0xf2, 0x70, BOTH));
        for (int op = 0x71; op <= 0x73; op++) {
            for (int sub : op == 0x73 ? new int[]{2, 3, 6, 7} : new int[]{2, 4, 6}) {
                l.add(new Spec(String.format("x.%02x/%d", op, sub), 0x66, 0x0f, op, sub, REG, Spec.XMM, false, false,
                        false, -1, Spec.EXACT));
            }
        }
        l.add(sse("pinsrw.x", 0x66, 0xc4, BOTH).withGprRm());
        l.add(sse("pextrw.x", 0x66, 0xc5, REG).withGprReg());
        l.add(sse("pmovmskb.x", 0x66, 0xd7, REG).withGprReg());
        l.add(sse("maskmovdqu", 0x66, 0xf7, REG));
        return l;
    }

    static List<Spec> mmxSpecs() {
        List<Spec> l = new ArrayList<>();
        for (int op : BINARY) {
            l.add(mmx(String.format("m.%02x", op), op, BOTH));
        }
        l.add(mmx("pshufw", 0x70, BOTH));
        for (int op = 0x71; op <= 0x73; op++) {
            for (int sub : op == 0x73 ? new int[]{2, 6} : new int[]{2, 4, 6}) {
                l.add(new Spec(String.format("m.%02x/%d", op, sub), 0, 0x0f, op, sub, REG, Spec.MMX, false, false,
                        false, -1, Spec.EXACT));
            }
        }
        l.add(mmx("movd.m", 0x6e, BOTH).withGprRm());
        l.add(mmx("movq.m", 0x6e, BOTH).withGprRm().w());
        l.add(mmx("movd.m.st", 0x7e, BOTH).withGprRm());
        l.add(mmx("movq.m.st", 0x7e, BOTH).withGprRm().w());
        l.add(mmx("movq.mm", 0x6f, BOTH));
        l.add(mmx("movq.mm.st", 0x7f, BOTH));
        l.add(mmx("movntq", 0xe7, MEM));
        l.add(mmx("pinsrw.m", 0xc4, BOTH).withGprRm());
        l.add(mmx("pextrw.m", 0xc5, REG).withGprReg());
        l.add(mmx("pmovmskb.m", 0xd7, REG).withGprReg());
        l.add(mmx("maskmovq", 0xf7, REG));
        l.add(mmx("emms", 0x77, REG));
        return l;
    }

    static List<Spec> ssse3() {
        List<Spec> l = new ArrayList<>();
        int[] ops = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x1c, 0x1d, 0x1e};
        for (int op : ops) {
            l.add(new Spec(String.format("x.38.%02x", op), 0x66, 0x0f38, op, -1, BOTH, Spec.XMM, false, false, false,
                    -1, Spec.EXACT));
            l.add(new Spec(String.format("m.38.%02x", op), 0, 0x0f38, op, -1, BOTH, Spec.MMX, false, false, false,
                    -1, Spec.EXACT));
        }
        l.add(new Spec("palignr.x", 0x66, 0x0f3a, 0x0f, -1, BOTH, Spec.XMM, false, false, false, -1, Spec.EXACT));
        l.add(new Spec("palignr.m", 0, 0x0f3a, 0x0f, -1, BOTH, Spec.MMX, false, false, false, -1, Spec.EXACT));
        return l;
    }

    private static Spec s41(String name, int map, int op, int forms) {
        return new Spec(name, 0x66, map, op, -1, forms, Spec.XMM, false, false, false, -1, Spec.EXACT);
    }

    static List<Spec> sse41() {
        List<Spec> l = new ArrayList<>();
        int[] ops38 = {0x10, 0x14, 0x15, 0x17, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2b, 0x30, 0x31, 0x32,
            0x33, 0x34, 0x35, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41};
        for (int op : ops38) {
            l.add(s41(String.format("x.38.%02x", op), 0x0f38, op, BOTH));
        }
        l.add(s41("movntdqa", 0x0f38, 0x2a, MEM));
        for (int op : new int[]{0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x21, 0x40, 0x41, 0x42}) {
            l.add(s41(String.format("x.3a.%02x", op), 0x0f3a, op, BOTH));
        }
        for (int op : new int[]{0x14, 0x15, 0x16, 0x17}) {
            l.add(s41(String.format("x.3a.%02x", op), 0x0f3a, op, BOTH).withGprRm());
        }
        l.add(s41("pextrq", 0x0f3a, 0x16, BOTH).withGprRm().w());
        l.add(s41("pinsrb", 0x0f3a, 0x20, BOTH).withGprRm());
        l.add(s41("pinsrd", 0x0f3a, 0x22, BOTH).withGprRm());
        l.add(s41("pinsrq", 0x0f3a, 0x22, BOTH).withGprRm().w());
        return l;
    }

    @Test
    void sse41MatchesHost() throws Exception {
        run(sse41(), 400, 14);
    }

    @Test
    void sse41WithUnmaskedExceptionsMatchesHost() throws Exception {
        DiffRunner r = new DiffRunner();
        // DPPS/DPPD are left out: their #XM flag reporting is a documented difference
        List<Spec> specs = sse41().stream().filter(s -> !s.name().equals("x.3a.40") && !s.name().equals("x.3a.41"))
                .toList();
        r.run(oracle, specs, DiffRunner.casesPerSpec(150), 15, false, true);
        System.out.println(r.summary());
        assertTrue(r.failures.isEmpty(), r.summary() + "\n" + String.join("\n", r.failures));
    }

    @Test
    void ssse3MatchesHost() throws Exception {
        run(ssse3(), 300, 13);
    }

    private static void run(List<Spec> specs, int n, long seed) throws Exception {
        DiffRunner r = new DiffRunner();
        r.run(oracle, specs, DiffRunner.casesPerSpec(n), seed, false, false);
        System.out.println(r.summary());
        assertTrue(r.failures.isEmpty(), r.summary() + "\n" + String.join("\n", r.failures));
    }

    @Test
    void xmmIntegerOpsMatchHost() throws Exception {
        run(xmm(), 150, 11);
    }

    @Test
    void mmxOpsMatchHost() throws Exception {
        run(mmxSpecs(), 150, 12);
    }
}
