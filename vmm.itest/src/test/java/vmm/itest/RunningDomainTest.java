package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real guest (a gcc-built multiboot kernel that prints, then idles) run as a domain on the
 * software CPU: started by one {@code ./vmm -c}, it keeps running in the daemon and the next
 * commands see it, pause it, resume it, press its power button (which it ignores: the shutdown
 * times out and it runs on), destroy it; a daemon killed under it
 * leaves the domain shut off (crashed), its definition intact.
 */
class RunningDomainTest {
    @TempDir
    Path state;

    @AfterEach
    void stopDaemon() throws Exception {
        if (Files.exists(state.resolve("run/vmm.sock"))) {
            VmmProcess.run(state, "daemon", "stop");
        }
    }

    /** Builds the idle guest from the test guests' runtime (vmm.testguests/guests) and this test's idle.c. */
    private Path buildGuest() throws IOException, InterruptedException {
        return buildIdleGuest(state);
    }

    /** The idle guest (prints "idle guest up", then halts with interrupts on) built in {@code state}. */
    static Path buildIdleGuest(Path state) throws IOException, InterruptedException {
        return buildGuest(state, "idle");
    }

    /** A test guest from this package's {@code NAME.c} and the test guests' runtime, built in {@code state}. */
    static Path buildGuest(Path state, String name) throws IOException, InterruptedException {
        return TestGuestBuild.fromResource(state, name);
    }

    private String state(String domain) throws Exception {
        var r = VmmProcess.run(state, "-c", "domstate --reason " + domain);
        assertEquals(0, r.status(), r.err());
        return r.out().strip();
    }

    private void awaitState(String domain, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String now = state(domain);
        while (!now.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            now = state(domain);
        }
        assertEquals(expected, now);
    }

    @Test
    void aDomainStartedByOneCommandRunsForTheNext() throws Exception {
        Path elf = buildGuest();
        Path xml = state.resolve("idle.xml");
        Files.writeString(xml, """
                <domain type='qemu'>
                  <name>idle</name>
                  <memory unit='MiB'>16</memory>
                  <vcpu>1</vcpu>
                  <os>
                    <type>hvm</type>
                    <kernel>%s</kernel>
                  </os>
                </domain>
                """.formatted(elf));
        var start = VmmProcess.run(state, "-c", "define " + xml, "-c", "start idle");
        assertEquals(0, start.status(), start.err());
        assertEquals("Domain 'idle' defined from " + xml + "\n\nDomain 'idle' started\n\n", start.out());

        // The command has returned; the guest runs on in the daemon.
        var list = VmmProcess.run(state, "-c", "list", "-c", "domid idle");
        assertEquals(" Id   Name   State\n----------------------\n 1    idle   running\n\n1\n\n", list.out());
        assertEquals("running (booted)", state("idle"));
        // vcpuinfo and domstats of the running vCPU: its host CPU and the CPU time its thread used.
        var stats = VmmProcess.run(state, "-c", "vcpuinfo idle", "-c", "domstats --state --vcpu idle");
        assertEquals(0, stats.status(), stats.err());
        assertTrue(stats.out().matches("""
                VCPU:           0
                CPU:            [0-9]+
                State:          running
                CPU time:       [0-9]+\\.[0-9]s
                CPU Affinity:   y+

                Domain: 'idle'
                  state.state=1
                  state.reason=1
                  vcpu.current=1
                  vcpu.maximum=1
                  vcpu.0.state=1
                  vcpu.0.time=[1-9][0-9]*


                """), stats.out());
        // virt-clone's rule: a running original is not cloned.
        var clone = VmmProcess.run(state, "-c", "clone --original idle --name twin --auto-clone");
        assertEquals(1, clone.status());
        assertEquals("error: Domain with devices to clone must be paused or shutoff.\n", clone.err());
        Path console = state.resolve("logs/idle.console.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(Files.exists(console) && Files.readString(console).contains("idle guest up"))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(Files.readString(console).contains("idle guest up"), "the guest's serial output");

        // virsh console: a reboot's output shows on the attached console; Ctrl+] detaches.
        try (VmmProcess viewer = VmmProcess.start(state, "-c", "console idle")) {
            viewer.waitForOutput("Escape character is ^] (Ctrl + ])\n", java.time.Duration.ofSeconds(30));
            assertEquals("Domain 'idle' is being rebooted\n\n", VmmProcess.run(state, "-c", "reboot idle").out());
            viewer.waitForOutput("idle guest up", java.time.Duration.ofSeconds(30));
            viewer.sendRaw("\u001d");
            assertEquals(0, viewer.waitFor(java.time.Duration.ofSeconds(30)), viewer.errors());
            assertTrue(viewer.output().startsWith("Connected to domain 'idle'\n"), viewer.output());
        }
        assertEquals("running (booted)", state("idle"));

        var pause = VmmProcess.run(state, "-c", "suspend idle", "-c", "domstate --reason idle",
                "-c", "clone --original idle --name twin", "-c", "resume idle",
                "-c", "domstate --reason idle", "-c", "start idle");
        assertEquals(1, pause.status());
        assertEquals("Domain 'idle' suspended\n\npaused (user)\n\nClone 'twin' created successfully.\n\n"
                + "Domain 'idle' resumed\n\nrunning (unpaused)\n\n\n", pause.out());
        // A paused original may be cloned (virt-clone's rule); the clone is its own shut-off domain.
        var twin = VmmProcess.run(state, "-c", "domstate twin", "-c", "undefine twin");
        assertEquals("shut off\n\nDomain 'twin' has been undefined\n\n", twin.out(), twin.err());
        assertEquals("error: Domain is already active\n", pause.err());

        // The idle guest has no ACPI driver: it ignores the power button. The shutdown gives up
        // after its timeout, said in the log, and the domain runs on (never killed).
        var badMode = VmmProcess.run(state, "-c", "shutdown --mode agent idle");
        assertEquals(1, badMode.status());
        assertEquals("error: Failed to shutdown domain 'idle'\nerror: Operation not supported: shutdown mode 'agent':"
                + " this VMM presses the ACPI power button only (--mode acpi)\n", badMode.err());
        var shutdown = VmmProcess.run(state, "-c", "shutdown --mode acpi --timeout 2 idle", "-c", "domstate --reason idle",
                "-c", "list");
        assertEquals(0, shutdown.status(), shutdown.err());
        assertEquals("Domain 'idle' is being shutdown\n\nin shutdown (user)\n\n Id   Name   State\n"
                + "--------------------------\n 1    idle   in shutdown\n\n", shutdown.out());
        awaitState("idle", "running (unpaused)");
        assertTrue(Files.readString(state.resolve("logs/vmm.log")).contains(
                "domain idle did not power off within 2 s of the ACPI power button; it keeps running"));
        var destroyed = VmmProcess.run(state, "-c", "destroy idle", "-c", "domstate --reason idle");
        assertEquals("Domain 'idle' destroyed\n\nshut off (destroyed)\n\n", destroyed.out(), destroyed.err());

        var again = VmmProcess.run(state, "-c", "start idle", "-c", "domid idle", "-c", "destroy idle",
                "-c", "domstate --reason idle");
        assertEquals(0, again.status(), again.err());
        assertEquals("Domain 'idle' started\n\n2\n\nDomain 'idle' destroyed\n\nshut off (destroyed)\n\n", again.out());

        // A transient domain: created without a definition, gone when it stops.
        Path scratch = state.resolve("scratch.xml");
        Files.writeString(scratch, Files.readString(xml).replace("<name>idle</name>", "<name>scratch</name>"));
        var create = VmmProcess.run(state, "-c", "create " + scratch, "-c", "list --transient", "-c", "dominfo scratch");
        assertEquals(0, create.status(), create.err());
        assertTrue(create.out().startsWith("Domain 'scratch' created from " + scratch + "\n\n"
                + " Id   Name      State\n-------------------------\n 3    scratch   running\n\n"), create.out());
        assertTrue(create.out().contains("Persistent:     no\n"), create.out());
        assertFalse(Files.exists(state.resolve("domains/scratch.xml")));
        var gone = VmmProcess.run(state, "-c", "destroy scratch", "-c", "dominfo scratch");
        assertEquals("Domain 'scratch' destroyed\n\n\n", gone.out());
        assertEquals("error: failed to get domain 'scratch'\n", gone.err());

        // The interactive shell talks to the daemon too. A console session in it ends at Ctrl+],
        // and what is typed after the Ctrl+] is the shell's next line, not lost.
        assertEquals(0, VmmProcess.run(state, "-c", "start idle").status());
        try (VmmProcess shell = VmmProcess.start(state)) {
            shell.send("console idle");
            shell.waitForOutput("Escape character is ^] (Ctrl + ])\n", java.time.Duration.ofSeconds(30));
            shell.sendRaw("\u001dlist --all\n");
            shell.waitForOutput(" idle   running\n", java.time.Duration.ofSeconds(30));
            shell.send("destroy idle");
            shell.send("list --all");
            shell.closeInput();
            assertEquals(0, shell.waitFor(java.time.Duration.ofSeconds(30)));
            assertTrue(shell.output().contains("Welcome to vmm"), shell.output());
            assertTrue(shell.output().contains("vmm #  Id   Name   State\n-----------------------\n -    idle   shut off\n"),
                    shell.output());
        }

        // The daemon dies under a running domain: the next command finds it shut off (crashed).
        assertEquals(0, VmmProcess.run(state, "-c", "start idle").status());
        String version = VmmProcess.run(state, "-c", "vmm:version").out();
        long pid = Long.parseLong(version.lines().filter(l -> l.startsWith("process: ")).findFirst().orElseThrow()
                .split(" ")[1]);
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
        daemon.destroyForcibly();
        daemon.onExit().get(30, TimeUnit.SECONDS);
        assertEquals("shut off (crashed)", state("idle"));
        assertTrue(Files.exists(state.resolve("domains/idle.xml")));
    }
}
