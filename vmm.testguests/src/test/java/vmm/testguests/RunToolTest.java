package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.hypervisor.Hypervisor;
import vmm.core.machine.AcceleratorChoice;
import vmm.core.machine.MachineException;

/**
 * {@code vmm run}'s main class as a process on the plain class path (what the {@code vmm}
 * script runs): the console on stdout, the guest's status as the exit status, named errors.
 */
class RunToolTest {

    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
    }

    static Run run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path") + File.pathSeparator + System.getProperty("surefire.test.class.path", ""),
                "vmm.shell.run.RunTool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        byte[][] out = new byte[2][];
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                out[1] = p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                out[1] = e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        out[0] = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        t.join();
        return new Run(p.exitValue(), new String(out[0], StandardCharsets.ISO_8859_1).replace("\r", ""),
                new String(out[1], StandardCharsets.UTF_8));
    }

    @Test
    void runsAGuestWithTheConsoleOnStdoutAndItsStatus() throws Exception {
        Path hello = Guests.elf("hello");
        Run r = run("--kernel", hello.toString(), "--append", "via run", "--memory", "64M");
        String auto;
        try {
            auto = AcceleratorChoice.choose("auto", Accelerators.all()).name();
        } catch (MachineException e) {
            // No accelerator can run guests on this host: the tool says so and does not start.
            assertEquals(124, r.status(), r.err());
            assertTrue(r.err().contains("no usable accelerator"), r.err());
            return;
        }
        if (auto.equals("kvm") && r.err().contains("KVM_EXIT_INTERNAL_ERROR") && Files.exists(TestGuestsTest.PVM)) {
            org.junit.jupiter.api.Assumptions.abort("PVM cannot emulate this guest's ring-0 code: " + r.err());
        }
        assertEquals(85, r.status(), "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        assertTrue(r.out().contains("Hello from the test guest\ncmdline: " + hello + " via run\n"), r.out());
        assertTrue(r.out().contains("mem_upper 64512 KiB"), r.out());
        assertTrue(r.err().contains("accelerator " + auto), r.err());
    }

    @Test
    void badUsageAndBadKernelsAreNamed() throws Exception {
        Run usage = run("--cpus", "0", "--kernel", "x");
        assertEquals(2, usage.status());
        assertTrue(usage.err().contains("--cpus 0: 1 to 64"), usage.err());
        assertEquals(2, run().status());
        Path junk = Files.write(dir.resolve("junk.bin"), new byte[9000]);
        Run bad = run("--kernel", junk.toString(), "--accel", firstUsable());
        assertEquals(124, bad.status(), bad.err());
        assertTrue(bad.err().contains(junk + ": not a kernel this machine can boot")
                || bad.err().contains("no accelerator named") || bad.err().contains("cannot run guests here"), bad.err());
        Run help = run("--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("usage: vmm run --kernel FILE"), help.out());
    }

    /**
     * {@code vmm run --kernel --initrd} with a person at the keyboard: what is typed on stdin
     * reaches the guest's shell (Debian's kernel, busybox) and its answer comes back on stdout;
     * the guest's poweroff ends the run with status 0. One Linux boot, on the software CPU.
     */
    @Test
    void keysTypedOnStdinReachTheGuestsShell() throws Exception {
        Path busybox = DebianKernel.guestCache().resolve("busybox/bin/busybox");
        Path initrd = new Initramfs().copy("bin/busybox", busybox).symlink("bin/sh", "busybox").dir("dev").dir("proc")
                .dir("sys").file("init", """
                        #!/bin/sh
                        /bin/busybox --install -s /bin
                        mount -t devtmpfs dev /dev
                        mount -t proc proc /proc
                        dmesg -n 1
                        echo "vmm-init: up"
                        exec setsid cttyhack sh
                        """, 0755).write(dir.resolve("initrd.cpio"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path") + File.pathSeparator + System.getProperty("surefire.test.class.path", ""),
                "vmm.shell.run.RunTool", "--kernel", DebianKernel.bzImage().toString(), "--initrd", initrd.toString(),
                "--append", LinuxGuest.CMDLINE, "--memory", "256M", "--accel", "emu"));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr.txt").toFile()).start();
        StringBuffer out = new StringBuffer();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = p.getInputStream().read(buf)) > 0;) {
                    out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (java.io.IOException e) {
                out.append("[stdout lost: ").append(e).append(']');
            }
        });
        try {
            int at = awaitOutput(p, out, 0, "vmm-init: up", 240);
            at = awaitOutput(p, out, at, "/ # ", 60);
            var keys = p.getOutputStream();
            keys.write("echo typed-$((6*7))\n".getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            at = awaitOutput(p, out, at, "\ntyped-42\r\n", 60);
            awaitOutput(p, out, at, "/ # ", 60);
            keys.write("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the guest did not power off; console:\n" + out);
            assertEquals(0, p.exitValue(), "console:\n" + out + "\nstderr:\n" + Files.readString(dir.resolve("stderr.txt")));
        } finally {
            p.destroyForcibly();
        }
    }

    /** Waits until {@code text} appears at or after {@code from}; returns where it ends. */
    private static int awaitOutput(Process p, StringBuffer out, int from, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            int i = out.indexOf(text, from);
            if (i >= 0) {
                return i + text.length();
            }
            if (System.nanoTime() > deadline || !p.isAlive()) {
                throw new AssertionError("never saw '" + text + "' (alive: " + p.isAlive() + "); console:\n" + out);
            }
            Thread.sleep(50);
        }
    }

    private static String firstUsable() {
        return Accelerators.all().stream().filter(h -> h.status().available()).map(Hypervisor::name).findFirst()
                .orElse("auto");
    }
}
