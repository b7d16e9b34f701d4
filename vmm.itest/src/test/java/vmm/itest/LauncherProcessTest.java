package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the real launcher as a user would: arguments, stdin, stdout, exit status. */
class LauncherProcessTest {
    @TempDir
    Path state;

    @Test
    void commandsRunAndExitZero() throws Exception {
        var r = VmmProcess.run(state, "-c", "vmm:version", "-c", "vmm:formats");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("vmm 0.1.0"), r.out());
        assertTrue(r.out().contains("state: " + state), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("raw") && l.contains("vmm.storage.raw")), r.out());
        assertTrue(Files.isDirectory(state.resolve("deploy")), "state layout created");
        assertTrue(Files.size(state.resolve("logs/vmm.log")) > 0, "slf4j logs reach the log file");
    }

    @Test
    void unknownCommandFailsWithItsName() throws Exception {
        var r = VmmProcess.run(state, "-c", "vmm:version", "-c", "no-such-command", "-c", "vmm:formats");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("Command not found: no-such-command"), r.err());
        assertTrue(!r.out().contains("Format"), "commands after the failing one do not run: " + r.out());
    }

    @Test
    void badOptionIsAUsageError() throws Exception {
        var r = VmmProcess.run(state, "--frobnicate");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown option '--frobnicate'"), r.err());
    }

    @Test
    void imgToolRunsWithoutTheFramework() throws Exception {
        Path disk = state.resolve("disk.qcow2");
        var created = VmmProcess.run(state, "img", "create", "-f", "qcow2", disk.toString(), "32M");
        assertEquals(0, created.status(), created.err());
        var info = VmmProcess.run(state, "img", "info", "--output=json", disk.toString());
        assertEquals(0, info.status(), info.err());
        assertTrue(info.out().contains("\"virtual-size\": 33554432"), info.out());
        var qemu = new ProcessBuilder("qemu-img", "check", disk.toString()).start();
        assertEquals(0, qemu.waitFor(), "qemu-img check accepts the image");
        var bad = VmmProcess.run(state, "img", "info", state.resolve("missing.qcow2").toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("missing.qcow2"), bad.err());
    }

    @Test
    void helpDescribesTheModes() throws Exception {
        var r = VmmProcess.run(state, "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("vmm [options] -c 'COMMAND'"), r.out());
    }

    @Test
    void scriptFileRunsInOneSession() throws Exception {
        Path script = state.resolve("s.gogo");
        Files.writeString(script, "x = 'hello from a script'\necho $x\nvmm:version\n");
        var r = VmmProcess.run(state, script.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("hello from a script"), r.out());
        assertTrue(r.out().contains("vmm 0.1.0"), r.out());
    }

    @Test
    void listShowsDefinedDomainsAndNamesBrokenFiles() throws Exception {
        Files.createDirectories(state.resolve("domains"));
        Files.writeString(state.resolve("domains/web.xml"),
                "<domain type='kvm'><name>web</name><memory unit='MiB'>256</memory></domain>");
        Files.writeString(state.resolve("domains/broken.xml"), "<domain><name>oops</domain>");
        var r = VmmProcess.run(state, "-c", "list --all");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("web") && l.contains("shut off")), r.out());
        assertTrue(r.err().contains("broken.xml") && r.err().contains("malformed XML"), r.err());
        var running = VmmProcess.run(state, "-c", "list");
        assertTrue(running.out().lines().noneMatch(l -> l.contains("web")), "inactive domains only with --all");
    }

    @Test
    void interactiveShellOverStdinListsEveryBundleActive() throws Exception {
        try (VmmProcess vmm = VmmProcess.start(state)) {
            vmm.send("lb");
            vmm.closeInput();
            int status = vmm.waitFor(Duration.ofSeconds(60));
            assertEquals(0, status, vmm.errors());
            List<String> rows = vmm.output().lines().filter(l -> l.matches("\\s*\\d+\\|.*")).toList();
            assertTrue(rows.size() >= Distribution.bundles().size() + 1, "lb lists every bundle:\n" + vmm.output());
            List<String> notActive = rows.stream().filter(l -> !l.contains("|Active")).toList();
            assertEquals(List.of(), notActive, "bundles not active");
            for (String name : Arrays.asList("vmm core", "vmm.shell", "vmm.storage.qcow2", "vmm.kvm.driver")) {
                assertTrue(rows.stream().anyMatch(l -> l.contains(name)), name + " missing:\n" + vmm.output());
            }
        }
    }
}
