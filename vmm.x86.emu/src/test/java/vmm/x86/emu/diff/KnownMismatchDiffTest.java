package vmm.x86.emu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import vmm.core.hypervisor.HypervisorException;

/**
 * The forms of known-mismatches.txt: CPU bugs found by the differential tests and not fixed
 * yet. Every one of them must exist in the catalog and still differ from the host; the
 * differences go to the log and to target/known-mismatches-report.txt. A form that agrees
 * again fails this test until its line is deleted (then GeneralPurposeDiffTest covers it).
 */
class KnownMismatchDiffTest {
    private static final Logger LOG = LoggerFactory.getLogger(KnownMismatchDiffTest.class);
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

    @Test
    void knownMismatchesStillDiffer() throws IOException {
        Set<String> known = KnownMismatches.names(), gates = KnownMismatches.gates();
        List<Form> forms = Catalog.all().stream().filter(f -> known.contains(f.name())).toList();
        List<String> missing = new ArrayList<>(known);
        forms.forEach(f -> missing.remove(f.name()));
        assertEquals(List.of(), missing, "known-mismatches.txt names forms that are not in the catalog");
        assertNotNull(session, EmuOracle.EMU_CLASS + " is not in this build yet");
        List<String> fixed = new ArrayList<>();
        if (!forms.isEmpty()) {
            DiffRun.Result r = DiffRun.run("known-mismatches", forms, session.dir, session.nat, session.emu,
                    Cases.seed(), GeneralPurposeDiffTest.RANDOM_PER_FORM);
            String report = r.report(3);
            LOG.warn("known CPU mismatches:\n{}", report);
            Path out = Path.of("target", "known-mismatches-report.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, report);
            for (Form f : forms) {
                if (r.mismatches().stream().noneMatch(m -> m.form() == f)) {
                    fixed.add(f.name());
                }
            }
        }
        if (!gates.isEmpty()) {
            List<Form> gated = FeatureGateDiffTest.refusedForms(session).stream()
                    .filter(f -> gates.contains(f.name())).toList();
            List<String> wrong = FeatureGateDiffTest.notUd(session, gated);
            LOG.warn("known CPU mismatches: not #UD without their CPUID feature: {}", wrong);
            for (String g : gates) {
                if (wrong.stream().noneMatch(w -> w.startsWith(g + " -> "))) {
                    fixed.add(KnownMismatches.GATE + g);
                }
            }
        }
        assertEquals(List.of(), fixed, "these agree with the host now (or raise #UD): delete their lines from"
                + " known-mismatches.txt");
    }
}
