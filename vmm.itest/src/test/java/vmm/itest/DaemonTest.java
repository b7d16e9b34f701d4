package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libvirtd's role: commands run in a long-lived daemon per state folder, reached over a unix
 * socket only its user can open; when the daemon dies, the next command finds every definition.
 */
class DaemonTest {
    @TempDir
    Path state;

    @AfterEach
    void stopDaemon() throws Exception {
        if (Files.exists(state.resolve("run/vmm.sock"))) {
            VmmProcess.run(state, "daemon", "stop");
        }
    }

    private static long pid(String versionOutput) {
        String line = versionOutput.lines().filter(l -> l.startsWith("process: ")).findFirst().orElseThrow();
        return Long.parseLong(line.substring("process: ".length()).split(" ")[0]);
    }

    @Test
    void commandsRunInTheDaemonAndSurviveItsDeath() throws Exception {
        var none = VmmProcess.run(state, "daemon", "status");
        assertEquals(3, none.status());
        assertEquals("vmm: no daemon runs for " + state + "\n", none.out());
        assertEquals(0, VmmProcess.run(state, "daemon", "start").status());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("run"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("run/vmm.sock"))));

        var version = VmmProcess.run(state, "-c", "vmm:version");
        assertTrue(version.out().contains(" (daemon)\n"), version.out());
        long daemon = pid(version.out());
        assertEquals(daemon, pid(VmmProcess.run(state, "-c", "vmm:version").out()), "the same daemon answers again");

        Path xml = state.resolve("demo.xml");
        try (InputStream in = DaemonTest.class.getResourceAsStream("demo.xml")) {
            Files.write(xml, in.readAllBytes());
        }
        var define = VmmProcess.run(state, "-c", "define " + xml, "-c", "list --all");
        assertEquals(0, define.status(), define.err());
        assertEquals("Domain 'demo' defined from " + xml + "\n\n Id   Name   State\n-----------------------\n"
                + " -    demo   shut off\n\n", define.out());
        assertTrue(define.err().contains("warning: /domain/clock: not supported yet, kept as is"), define.err());

        // The client's EDITOR reaches the daemon's edit.
        Path editor = state.resolve("more-cpus.sh");
        Files.writeString(editor, "#!/bin/sh\nsed -i 's|<vcpu>2</vcpu>|<vcpu>4</vcpu>|' \"$1\"\n");
        editor.toFile().setExecutable(true);
        var edit = VmmProcess.run(Map.of("EDITOR", editor.toString()), state, "-c", "edit demo", "-c", "dominfo demo");
        assertEquals(0, edit.status(), edit.err());
        assertTrue(edit.out().startsWith("Domain 'demo' XML configuration edited.\n\n"), edit.out());
        assertTrue(edit.out().contains("CPU(s):         4\n"), edit.out());
        // The editor runs in the client; the daemon's answers read as the shell's own edit.
        var same = VmmProcess.run(Map.of("EDITOR", "true"), state, "-c", "edit demo");
        assertEquals("Domain 'demo' XML configuration not changed.\n\n", same.out());
        var noDomain = VmmProcess.run(Map.of("EDITOR", "true"), state, "-c", "edit nope");
        assertEquals(1, noDomain.status());
        assertEquals("error: failed to get domain 'nope'\n", noDomain.err());
        Path badUnit = state.resolve("bad-unit.sh");
        Files.writeString(badUnit, "#!/bin/sh\nsed -i \"s|<memory unit='KiB'>|<memory unit='XB'>|\" \"$1\"\n");
        badUnit.toFile().setExecutable(true);
        Path tmp = Files.createDirectories(state.resolve("edits"));
        var bad = VmmProcess.run(Map.of("EDITOR", badUnit.toString(), "TMPDIR", tmp.toString()), state, "-c", "edit demo");
        assertEquals(1, bad.status());
        assertTrue(bad.err().startsWith("error: /domain/memory: invalid unit 'XB'\n"
                + "error: Domain 'demo' XML configuration not changed; the edited XML is kept in " + tmp), bad.err());
        try (var kept = Files.list(tmp)) {
            assertTrue(Files.readString(kept.findFirst().orElseThrow()).contains("<memory unit='XB'>"), "the edit is not lost");
        }
        var kept = VmmProcess.run(state, "-c", "dominfo demo");
        assertTrue(kept.out().contains("CPU(s):         4\n"), kept.out());

        // Failures come back with their status and text.
        var unknown = VmmProcess.run(state, "-c", "dominfo nope");
        assertEquals(1, unknown.status());
        assertEquals("error: failed to get domain 'nope'\n", unknown.err());
        assertEquals("\n", unknown.out());

        // The daemon dies: definitions are on disk, the next command runs without it.
        ProcessHandle handle = ProcessHandle.of(daemon).orElseThrow();
        handle.destroyForcibly();
        handle.onExit().get(30, TimeUnit.SECONDS);
        var after = VmmProcess.run(state, "-c", "vmm:version", "-c", "list --all", "-c", "domstate demo");
        assertEquals(0, after.status(), after.err());
        assertFalse(after.out().contains("(daemon)"), after.out());
        assertTrue(after.out().endsWith(" Id   Name   State\n-----------------------\n -    demo   shut off\n\nshut off\n\n"),
                after.out());
        // A new daemon takes over the dead one's socket.
        assertEquals(0, VmmProcess.run(state, "daemon", "start").status());
        long second = pid(VmmProcess.run(state, "-c", "vmm:version").out());
        assertTrue(second != daemon);
        var stop = VmmProcess.run(state, "daemon", "stop");
        assertEquals("vmm: daemon stopped\n", stop.out());
        ProcessHandle.of(second).ifPresent(p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).join());
        assertFalse(Files.exists(state.resolve("run/vmm.sock")));
    }

    @Test
    void startingADomainStartsTheDaemon() throws Exception {
        Files.createDirectories(state.resolve("domains"));
        Files.writeString(state.resolve("domains/tiny.xml"), "<domain type='qemu'><name>tiny</name>"
                + "<memory unit='MiB'>16</memory></domain>");
        var start = VmmProcess.run(state, "-c", "start tiny");
        assertEquals(1, start.status());
        // No kernel to boot: the machine says so; the daemon stays for the next command.
        assertEquals("error: Failed to start domain 'tiny'\nerror: unsupported configuration: domain 'tiny' has no "
                + "<os><kernel>; booting from disk through firmware is not supported yet\n", start.err());
        var status = VmmProcess.run(state, "daemon", "status");
        assertEquals(0, status.status());
        assertEquals("vmm: daemon runs on " + state.resolve("run/vmm.sock") + "\n", status.out());
        assertTrue(VmmProcess.run(state, "-c", "vmm:version").out().contains("(daemon)"));
    }

    @Test
    void aSocketFolderOthersCanOpenIsRefused() throws Exception {
        Files.createDirectories(state.resolve("run"));
        Files.setPosixFilePermissions(state.resolve("run"), PosixFilePermissions.fromString("rwxrwxrwx"));
        var r = VmmProcess.run(state, "daemon", "start");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("the daemon's folder must be the user's own, mode 0700"), r.err());
    }
}
