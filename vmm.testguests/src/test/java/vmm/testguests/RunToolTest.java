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

    private static String firstUsable() {
        return Accelerators.all().stream().filter(h -> h.status().available()).map(Hypervisor::name).findFirst()
                .orElse("auto");
    }
}
