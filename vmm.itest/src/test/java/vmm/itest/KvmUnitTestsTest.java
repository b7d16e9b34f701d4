package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * kvm-unit-tests through bench/kvm-unit-tests: the runner reads QEMU TCG's results right (two
 * quick tests that TCG passes, one it fails), and every test listed in
 * bench/kvm-unit-tests.passing keeps passing on our VMM with the software CPU (the regression
 * gate). The tables go to target/kvm-unit-tests-*.md.
 */
class KvmUnitTestsTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path RUNNER = ROOT.resolve("bench/kvm-unit-tests");
    static final Pattern ROW = Pattern.compile("^\\| (\\S+) \\| \\d+ \\| (.*?) \\| (.*?) \\|$", Pattern.MULTILINE);

    private static String run(List<String> args, Path markdown) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", RUNNER.toString(), "--markdown", markdown.toString()));
        cmd.addAll(args);
        Path log = Files.createTempFile("kut", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kvm-unit-tests runner timed out: " + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        assertEquals(0, p.exitValue(), "runner failed:\n" + out);
        return Files.readString(markdown);
    }

    private static String column(String table, String test, int col) {
        Matcher m = ROW.matcher(table);
        while (m.find()) {
            if (m.group(1).equals(test)) {
                return m.group(col);
            }
        }
        throw new AssertionError("no row for " + test + " in\n" + table);
    }

    @Test
    void runnerReadsQemuTcgResults() throws Exception {
        Files.createDirectories(Path.of("target"));
        String table = run(List.of("--only", "qemu", "--tests", "setjmp,cmpxchg8b,emulator"),
                Path.of("target/kvm-unit-tests-qemu.md").toAbsolutePath());
        assertTrue(column(table, "setjmp", 2).startsWith("PASS (10/10"), table);
        assertTrue(column(table, "cmpxchg8b", 2).startsWith("PASS"), table);
        // TCG aborts in emulator.flat (MOV SS with RPL != CPL, per the suite's README).
        assertTrue(column(table, "emulator", 2).matches("(FAIL|ERROR\\(127\\)) .*"), table);
    }

    @Test
    void testsThatPassOnOursKeepPassing() throws Exception {
        List<String> gate = Files.readAllLines(ROOT.resolve("bench/kvm-unit-tests.passing")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        Files.createDirectories(Path.of("target"));
        Path md = Path.of("target/kvm-unit-tests-ours.md").toAbsolutePath();
        if (gate.isEmpty()) {
            // Nothing is gated yet: record whether `vmm run` can run a kernel at all.
            String table = run(List.of("--only", "ours", "--tests", "setjmp"), md);
            assertTrue(column(table, "setjmp", 3).matches("(not |PASS|FAIL|SKIP|ERROR|TIMEOUT).*"), table);
            return;
        }
        String table = run(List.of("--only", "ours", "--tests", String.join(",", gate)), md);
        List<String> regressed = new ArrayList<>();
        for (String t : gate) {
            String ours = column(table, t, 3);
            if (!ours.startsWith("PASS")) {
                regressed.add(t + ": " + ours);
            }
        }
        assertEquals(List.of(), regressed, "kvm-unit-tests that passed on our VMM no longer do:\n" + table);
    }
}
