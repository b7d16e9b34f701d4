package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;

/**
 * A plugin bundle dropped into the deploy folder of a running VMM is installed and its service
 * bound; a new version of the jar replaces it; deleting the jar withdraws it.
 */
class HotDeployTest {
    private static final Logger LOG = LoggerFactory.getLogger(HotDeployTest.class);

    @TempDir
    Path state;
    @TempDir
    Path work;

    @Test
    void installUpdateRemoveWhileRunning() throws Exception {
        Path v1 = buildSampleBundle("1.0.0");
        Path v2 = buildSampleBundle("2.0.0");
        try (VmmProcess vmm = VmmProcess.start(state)) {
            vmm.repeatUntil("vmm:formats", 200, Duration.ofSeconds(30), out -> out.contains("raw"));

            Path deployed = state.resolve("deploy/sample-format.jar");
            Files.copy(v1, state.resolve("deploy/.sample.tmp"));
            Files.move(state.resolve("deploy/.sample.tmp"), deployed, StandardCopyOption.ATOMIC_MOVE);
            Duration install = vmm.repeatUntil("vmm:formats", 100, Duration.ofSeconds(30),
                    out -> out.lines().anyMatch(l -> l.startsWith("sample") && l.contains("vmm.itest.sample")
                            && l.contains("1.0.0")));

            // A new file time, so that the watcher sees a change even within the same second.
            Files.copy(v2, state.resolve("deploy/.sample.tmp"));
            Files.setLastModifiedTime(state.resolve("deploy/.sample.tmp"),
                    java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 2000));
            Files.move(state.resolve("deploy/.sample.tmp"), deployed, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Duration update = vmm.repeatUntil("vmm:formats", 100, Duration.ofSeconds(30),
                    out -> out.lines().anyMatch(l -> l.startsWith("sample") && l.contains("2.0.0")));

            Files.delete(deployed);
            Duration removal = vmm.repeatUntil("vmm:formats", 100, Duration.ofSeconds(30),
                    out -> lastFormatsTable(out).contains("raw") && !lastFormatsTable(out).contains("sample"));

            LOG.info("hot deploy latencies (including up to 100 ms of polling): install {} ms, update {} ms, removal {} ms",
                    install.toMillis(), update.toMillis(), removal.toMillis());
            int mark = vmm.output().length();
            vmm.send("lb");
            vmm.closeInput();
            vmm.waitFor(Duration.ofSeconds(30));
            String lb = vmm.output().substring(mark);
            assertTrue(lb.contains("vmm.storage.raw"), "lb ran:\n" + lb);
            assertTrue(lb.lines().noneMatch(l -> l.contains("vmm.itest.sample")), "uninstalled bundle still listed:\n" + lb);
        }
    }

    /** The text of the last complete {@code vmm:formats} table in {@code out}. */
    private static String lastFormatsTable(String out) {
        int at = out.lastIndexOf("Format ");
        if (at < 0) {
            return "";
        }
        String rest = out.substring(at);
        int end = rest.indexOf("vmm # ");
        return end < 0 ? "" : rest.substring(0, end);
    }

    private Path buildSampleBundle(String version) throws Exception {
        try (Builder b = new Builder()) {
            b.setProperty("Bundle-SymbolicName", "vmm.itest.sample");
            b.setProperty("Bundle-Version", version);
            b.setProperty("Private-Package", "vmm.itest.sample");
            b.setProperty("-dsannotations", "*");
            b.addClasspath(new File("target/test-classes"));
            b.addClasspath(Distribution.bundle("vmm.core-").toFile());
            Jar jar = b.build();
            assertTrue(b.isOk(), "bnd: " + b.getErrors() + " " + b.getWarnings());
            Path out = work.resolve("sample-" + version + ".jar");
            jar.write(out.toFile());
            return out;
        }
    }
}
