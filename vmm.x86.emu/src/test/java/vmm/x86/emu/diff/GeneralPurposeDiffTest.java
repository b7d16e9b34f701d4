package vmm.x86.emu.diff;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import vmm.core.hypervisor.HypervisorException;

/**
 * The software CPU against the host CPU, one dynamic test per family of general-purpose
 * instructions: every curated edge case and {@link #RANDOM_PER_FORM} seeded random cases per
 * form ({@code -Ddiff.cases=N} for N random cases in all, {@code -Ddiff.seed=S} for another
 * seed). Forms gated by a CPUID feature run only when the emulator advertises it; the others
 * are {@link FeatureGateDiffTest}'s; forms in known-mismatches.txt are
 * {@link KnownMismatchDiffTest}'s. Counts go to target/diff-report.txt.
 */
class GeneralPurposeDiffTest {
    static final int RANDOM_PER_FORM = 16;
    private static final Logger LOG = LoggerFactory.getLogger(GeneralPurposeDiffTest.class);
    static DiffSession session;
    static final List<String> REPORT = new ArrayList<>();

    @BeforeAll
    static void open() throws IOException, HypervisorException {
        session = DiffSession.open();
    }

    @AfterAll
    static void close() throws IOException {
        if (session != null) {
            session.close();
            Path out = Path.of("target", "diff-report.txt");
            Files.createDirectories(out.getParent());
            Files.write(out, REPORT);
        }
    }

    @TestFactory
    Stream<DynamicTest> emulatorAgreesWithTheHostCpu() {
        assertNotNull(session, EmuOracle.EMU_CLASS + " is not in this build yet: nothing to compare");
        long seed = Cases.seed();
        java.util.Set<String> known = KnownMismatches.names();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<Form>> e : Catalog.families().entrySet()) {
            List<Form> forms = e.getValue().stream()
                    .filter(f -> !known.contains(f.name()))
                    .filter(f -> f.feature() == null || session.emuFeatures.contains(f.feature())
                            && session.nativeFeatures.contains(f.feature()))
                    .toList();
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                int random = Cases.randomPerForm(Catalog.all().size(), RANDOM_PER_FORM);
                DiffRun.Result r = DiffRun.run(e.getKey(), forms, session.dir, session.nat, session.emu, seed, random);
                String report = r.report(3);
                LOG.info("{}", report);
                REPORT.add(String.format("seed %#x %s", seed, report));
                assertTrue(r.mismatches().isEmpty(), report);
            }));
        }
        return tests.stream();
    }
}
