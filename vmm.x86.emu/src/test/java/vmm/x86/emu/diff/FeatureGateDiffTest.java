package vmm.x86.emu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static vmm.x86.emu.diff.Layout.RAX;
import static vmm.x86.emu.diff.Layout.RCX;
import static vmm.x86.emu.diff.Layout.RDX;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import vmm.core.hypervisor.HypervisorException;

/**
 * What the emulator does with instructions it must refuse: CPUID-gated forms it does not
 * advertise raise #UD (or, for LZCNT/TZCNT without ABM/BMI1, run as the older BSR/BSF that
 * the encoding means then, checked against native BSR/BSF), the BCD instructions and a LOCK
 * on a register raise #UD in 64-bit mode, and DIV/IDIV raise #DE for a zero divisor and a
 * quotient that does not fit.
 */
class FeatureGateDiffTest {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureGateDiffTest.class);
    static final int UD = 6, DE = 0;
    static DiffSession session;

    @BeforeAll
    static void open() throws IOException, HypervisorException {
        session = DiffSession.open();
    }

    @AfterAll
    static void close() throws IOException {
        if (session != null) {
            session.close();
        }
    }

    static List<Integer> vectors(DiffSession session, List<Form> forms, List<CaseInput> cases) throws IOException {
        session.emu.load(Assembled.assemble(session.dir, forms));
        List<Integer> v = new ArrayList<>();
        for (CaseInput c : cases) {
            v.add(session.emu.run(c).exception());
        }
        return v;
    }

    private static Form raw(String name, String asm) {
        return new Form(name, asm, false, Form.Gen.of(), Undef.Rule.none(), null);
    }

    @Test
    void emulatorAdvertisesOnlyWhatItRuns() throws IOException {
        assertNotNull(session, EmuOracle.EMU_CLASS + " is not in this build yet");
        LOG.info("CPUID features: native {} emulator {}", Cpuid.table(session.nativeFeatures),
                Cpuid.table(session.emuFeatures));
        List<Form> refused = refusedForms(session);
        refused.removeIf(f -> KnownMismatches.gates().contains(f.name()));
        List<String> wrong = notUd(session, refused);
        assertEquals(List.of(), wrong, "forms whose CPUID feature the emulator does not advertise must raise #UD");
    }

    /** The gated forms whose feature the emulator does not advertise (LZCNT/TZCNT aside). */
    static List<Form> refusedForms(DiffSession session) {
        List<Form> refused = new ArrayList<>();
        for (Form f : BitForms.gated()) {
            if (!session.emuFeatures.contains(f.feature()) && f.feature() != Feature.ABM
                    && f.feature() != Feature.BMI1) {
                refused.add(f);
            }
        }
        for (Form f : MoveForms.forms()) {
            if (f.feature() != null && !session.emuFeatures.contains(f.feature())) {
                refused.add(f);
            }
        }
        return refused;
    }

    /** Those of {@code forms} that do not raise #UD on the emulator, with the vector they raise. */
    static List<String> notUd(DiffSession session, List<Form> forms) throws IOException {
        List<CaseInput> cases = Cases.generate(forms, 7, 1);
        List<Integer> v = vectors(session, forms, cases);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            if (v.get(i) != UD) {
                wrong.add(forms.get(cases.get(i).form()).name() + " -> vector " + v.get(i));
            }
        }
        return wrong;
    }

    @Test
    void lzcntAndTzcntWithoutTheirFeatureAreBsrAndBsf() throws IOException {
        assertNotNull(session, EmuOracle.EMU_CLASS + " is not in this build yet");
        List<Form> emuForms = new ArrayList<>(), nativeForms = new ArrayList<>();
        for (int w : new int[] {16, 32, 64}) {
            String ops = " " + Asm.reg(RAX, w) + ", " + Asm.reg(RDX, w);
            if (!session.emuFeatures.contains(Feature.ABM)) {
                emuForms.add(raw("lzcnt r" + w + " (no ABM)", "lzcnt" + ops));
                nativeForms.add(new Form("bsr r" + w, "bsr" + ops, false, Form.Gen.of(Slot.reg(RDX, w)),
                        BitForms.scanRule(w, false), null));
            }
            if (!session.emuFeatures.contains(Feature.BMI1)) {
                emuForms.add(raw("tzcnt r" + w + " (no BMI1)", "tzcnt" + ops));
                nativeForms.add(new Form("bsf r" + w, "bsf" + ops, false, Form.Gen.of(Slot.reg(RDX, w)),
                        BitForms.scanRule(w, false), null));
            }
        }
        assumeTrue(!emuForms.isEmpty(), "the emulator advertises ABM and BMI1: LZCNT/TZCNT are diffed directly");
        List<CaseInput> cases = Cases.generate(nativeForms, Cases.seed(), 64);
        List<CaseOutput> expected = session.nat.run(Assembled.assemble(session.dir, nativeForms), cases);
        session.emu.load(Assembled.assemble(session.dir, emuForms));
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            CaseInput in = cases.get(i);
            String d = Compare.diff(nativeForms.get(in.form()), in, expected.get(i), session.emu.run(in));
            if (d != null && wrong.size() < 10) {
                wrong.add(emuForms.get(in.form()).name() + " " + in.describe() + ": " + d);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void invalidIn64BitModeIsUd() throws IOException {
        assertNotNull(session, EmuOracle.EMU_CLASS + " is not in this build yet");
        List<Form> forms = List.of(raw("daa", ".byte 0x27"), raw("das", ".byte 0x2f"), raw("aaa", ".byte 0x37"),
                raw("aas", ".byte 0x3f"), raw("aam", ".byte 0xd4, 0x0a"), raw("aad", ".byte 0xd5, 0x0a"),
                raw("lock add eax,edx", ".byte 0xf0, 0x01, 0xd0"), raw("ud2", "ud2"),
                raw("push es", ".byte 0x06"), raw("into", ".byte 0xce"), raw("bound", ".byte 0x62, 0x00"));
        List<CaseInput> cases = Cases.generate(forms, 1, 1);
        List<Integer> v = vectors(session, forms, cases);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < forms.size(); i++) {
            if (v.get(i) != UD) {
                wrong.add(forms.get(i).name() + " -> vector " + v.get(i));
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void divideErrorsAreDe() throws IOException {
        assertNotNull(session, EmuOracle.EMU_CLASS + " is not in this build yet");
        List<Form> forms = new ArrayList<>();
        List<CaseInput> cases = new ArrayList<>();
        for (int w : Asm.WIDTHS) {
            for (String op : new String[] {"div", "idiv"}) {
                int f = forms.size();
                forms.add(raw(op + " r" + w, op + " " + Asm.reg(RCX, w)));
                long[] zero = base(), overflow = base(), minByMinusOne = base();
                zero[RCX] = 0;
                overflow[RCX] = 1;
                overflow[RAX] = 0x7000;
                overflow[RDX] = 0x7000;
                minByMinusOne[RCX] = -1;
                minByMinusOne[RAX] = w == 8 ? 0x8000 : w == 64 ? Long.MIN_VALUE : 1L << (w - 1);
                minByMinusOne[RDX] = w == 64 ? -1 : 0;
                cases.add(new CaseInput(f, zero, 2, new byte[0]));
                cases.add(new CaseInput(f, overflow, 2, new byte[0]));
                if (op.equals("idiv")) {
                    minByMinusOne[RDX] = w == 8 ? 0 : Values.mask(w);
                    cases.add(new CaseInput(f, minByMinusOne, 2, new byte[0]));
                }
            }
        }
        List<Integer> v = vectors(session, forms, cases);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            if (v.get(i) != DE) {
                wrong.add(forms.get(cases.get(i).form()).name() + " " + cases.get(i).describe() + " -> " + v.get(i));
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    private static long[] base() {
        long[] g = new long[16];
        g[Layout.RBX] = Layout.MEM_PTR;
        g[Layout.RSP] = Layout.STACK;
        return g;
    }
}
