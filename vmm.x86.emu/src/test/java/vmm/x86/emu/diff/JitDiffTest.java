package vmm.x86.emu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import vmm.x86.emu.internal.jit.Jit;

/**
 * {@link GeneralPurposeDiffTest} with every block translated to bytecode on its first execution
 * ({@code vmm.emu.jit.threshold=1}, translated synchronously), so that each translated path, the
 * inlined instructions and the handler calls alike, is checked against the host CPU.
 */
class JitDiffTest {
    private static final int RANDOM_PER_FORM = 4;
    private static final Logger LOG = LoggerFactory.getLogger(JitDiffTest.class);
    private static DiffSession session;
    private static final Map<String, String> SAVED = new java.util.HashMap<>();

    @BeforeAll
    static void open() throws IOException, HypervisorException {
        for (String k : List.of("vmm.emu.jit", "vmm.emu.jit.threshold", "vmm.emu.jit.sync")) {
            SAVED.put(k, System.getProperty(k));
        }
        System.setProperty("vmm.emu.jit", "true");
        System.setProperty("vmm.emu.jit.threshold", "1");
        System.setProperty("vmm.emu.jit.sync", "true");
        session = DiffSession.open();
    }

    @AfterAll
    static void close() throws IOException {
        SAVED.forEach((k, v) -> {
            if (v == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, v);
            }
        });
        if (session != null) {
            session.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> translatedCodeAgreesWithTheHostCpu() {
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
                long before = Jit.translated();
                // Each case translates its block afresh (a new state drops the block cache): fewer random cases than
                // GeneralPurposeDiffTest keep this test fast; every curated edge case still runs.
                int random = Cases.randomPerForm(Catalog.all().size(), RANDOM_PER_FORM);
                DiffRun.Result r = DiffRun.run(e.getKey(), forms, session.dir, session.nat, session.emu, seed, random);
                String report = r.report(3);
                LOG.info("JIT: {}", report);
                assertTrue(r.mismatches().isEmpty(), "translated: " + report);
                assertTrue(forms.isEmpty() || Jit.translated() > before, "no block of " + e.getKey() + " was translated");
            }));
        }
        tests.add(DynamicTest.dynamicTest("no block refused", () -> assertEquals(0, Jit.refused(),
                "blocks the translator refused (see the log)")));
        return tests.stream();
    }
}
