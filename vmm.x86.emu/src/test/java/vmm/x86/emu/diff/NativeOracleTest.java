package vmm.x86.emu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static vmm.x86.emu.diff.Layout.AF;
import static vmm.x86.emu.diff.Layout.CF;
import static vmm.x86.emu.diff.Layout.OF;
import static vmm.x86.emu.diff.Layout.PF;
import static vmm.x86.emu.diff.Layout.RAX;
import static vmm.x86.emu.diff.Layout.RDX;
import static vmm.x86.emu.diff.Layout.SF;
import static vmm.x86.emu.diff.Layout.ZF;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The oracle itself: the gcc-built harness runs snippets at the guest's addresses and reports
 * what the SDM says they compute, and every case of the catalog runs natively without a fault
 * (no #DE from a divide, no misaligned CMPXCHG16B), so that a difference is the emulator's.
 */
class NativeOracleTest {
    static Path dir;
    static NativeOracle nat;

    @BeforeAll
    static void build() throws IOException {
        dir = Files.createTempDirectory("vmm-diff-native");
        nat = NativeOracle.build(dir);
    }

    @AfterAll
    static void clean() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static CaseOutput one(String asm, long rax, long rdx, long flags, byte[] mem) throws IOException {
        Form f = new Form("t", asm, mem.length > 0, Form.Gen.of(), Undef.Rule.none(), null);
        Assembled code = Assembled.assemble(dir, List.of(f));
        long[] gpr = new long[16];
        gpr[RAX] = rax;
        gpr[RDX] = rdx;
        gpr[Layout.RBX] = Layout.MEM_PTR;
        gpr[Layout.RSP] = Layout.STACK;
        return nat.run(code, List.of(new CaseInput(0, gpr, flags | 2, mem))).get(0);
    }

    @Test
    void addSetsTheFlagsTheSdmSays() throws IOException {
        CaseOutput o = one("add al, dl", 0x1234_567fL, 1, 0, new byte[0]);
        assertEquals(0x1234_5680L, o.gpr()[RAX]);
        assertEquals(OF | SF | AF, o.rflags() & Layout.ARITH);
        o = one("add eax, edx", 0xffff_ffff_ffff_ffffL, 1, 0, new byte[0]);
        assertEquals(0, o.gpr()[RAX], "a 32-bit result zero-extends");
        assertEquals(CF | ZF | PF | AF, o.rflags() & Layout.ARITH);
    }

    @Test
    void snippetsRunAtTheGuestAddresses() throws IOException {
        CaseOutput o = one("lea rax, [rip]\npush rdx\nmov rdx, rsp", 0, 0x1122334455667788L, 0, new byte[Layout.MEM_LEN]);
        assertEquals(Layout.CODE_BASE + 7, o.gpr()[RAX], "RIP-relative: the code runs at CODE_BASE");
        assertEquals(Layout.STACK - 8, o.gpr()[RDX]);
        assertEquals(0x88, o.mem()[(int) (Layout.STACK - 8 - Layout.MEM_BASE)] & 0xff, "pushed into the window");
    }

    @Test
    void theInputFlagsReachTheSnippet() throws IOException {
        CaseOutput o = one("adc eax, edx", 5, 6, CF | Layout.DF, new byte[0]);
        assertEquals(12, o.gpr()[RAX]);
        assertEquals(Layout.DF, o.rflags() & Layout.DF);
    }

    @Test
    void everyCatalogCaseRunsNatively() throws IOException {
        List<Form> forms = Catalog.all();
        Assembled code = Assembled.assemble(dir, forms);
        long seed = Cases.seed();
        List<CaseInput> cases = Cases.generate(forms, seed, 4);
        assertEquals(cases.size(), nat.run(code, cases).size(), "seed " + seed);
    }
}
