package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.machine.Console;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.Machines;
import vmm.core.machine.RebootPolicy;

/**
 * Debian's cloud kernel with a busybox initramfs that the tests build, booted to a shell on
 * the serial console. The initramfs holds busybox, an /init that mounts devtmpfs, proc and
 * sysfs (the kernel's DEVTMPFS_MOUNT is off) and starts a shell on ttyS0, a file whose SHA-256
 * the host knows, and a static C program built here with gcc (its native output is kept to
 * compare with the guest's).
 */
final class LinuxGuest implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LinuxGuest.class);
    /** cryptomgr.notests: the kernel's crypto self-tests are half of a boot's instructions and test nothing of ours. */
    static final String CMDLINE = "console=ttyS0 panic=-1 cryptomgr.notests";
    static final String INIT_DONE = "vmm-init: up";
    static final Pattern PROMPT = Pattern.compile("/ # ");
    static final int KNOWN_SIZE = 300 * 1024 + 123;

    final Machine machine;
    final SerialShell shell;
    final long bootMillis;
    final String programNativeOutput;
    final String knownSha256;
    /** How the machine was made, so that a saved state can be restored into a twin. */
    private final MachineConfig config;

    private LinuxGuest(Machine machine, SerialShell shell, long bootMillis, String programNativeOutput,
                       String knownSha256, MachineConfig config) {
        this.config = config;
        this.machine = machine;
        this.shell = shell;
        this.bootMillis = bootMillis;
        this.programNativeOutput = programNativeOutput;
        this.knownSha256 = knownSha256;
    }

    /**
     * Builds the material, boots {@code kernel} on the emu accelerator and waits for the shell's
     * prompt; fails with the console so far when it does not come within {@code timeout}.
     */
    static LinuxGuest boot(Path kernel, int cpus, RebootPolicy reboot, Duration timeout) throws Exception {
        Path work = Files.createDirectories(Path.of("target", "linux-guest")).toAbsolutePath();
        Path program = compileProgram(work);
        String nativeOutput = runNatively(program);
        byte[] known = new byte[KNOWN_SIZE];
        new Random(20261129).nextBytes(known);
        String sha = sha256(known);
        Path initrd = initramfs(program, known).write(work.resolve("initramfs-" + cpus + ".cpio"));

        SerialShell shell = new SerialShell();
        MachineConfig config = MachineConfig.builder(kernel).memory(512L << 20).cpus(cpus).initrd(initrd.toString())
                .commandLine(CMDLINE).accelerator("emu").console(new Console(shell.out, shell.in)).reboot(reboot)
                .build();
        Machine m = Machines.create(config, Accelerators.all());
        long start = System.nanoTime();
        m.start();
        try {
            int at = shell.await(Pattern.compile(Pattern.quote(INIT_DONE)), 0, timeout).end();
            shell.await(PROMPT, at, timeout);
        } catch (TimeoutException e) {
            String serial = shell.text();
            m.close();
            shell.close();
            return fail(kernel.getFileName() + " did not reach the shell within " + timeout.toSeconds()
                    + " s (last stage: " + lastLine(serial) + "); console:\n" + serial);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        LOG.info("Linux ({} vCPU(s), {}) reached the shell prompt in {} ms", cpus, kernel.getFileName(), ms);
        return new LinuxGuest(m, shell, ms, nativeOutput, sha, config);
    }

    static Initramfs initramfs(Path program, byte[] known) throws IOException {
        Path busybox = DebianKernel.guestCache().resolve("busybox/bin/busybox");
        if (!Files.isRegularFile(busybox)) {
            fail("no busybox-static under " + busybox + ": run scripts/guest-material once to fetch it");
        }
        String init = """
                #!/bin/sh
                /bin/busybox --install -s /bin
                mount -t devtmpfs dev /dev
                mount -t proc proc /proc
                mount -t sysfs sys /sys
                # Kernel messages stay in the log (dmesg) instead of landing inside command output.
                dmesg -n 1
                echo "%s"
                exec setsid cttyhack sh
                """.formatted(INIT_DONE);
        return new Initramfs().copy("bin/busybox", busybox).symlink("bin/sh", "busybox").dir("dev").dir("proc")
                .dir("sys").dir("tmp").file("init", init, 0755).copy("root/guestprog", program)
                .file("root/known.bin", known, 0644);
    }

    /** gcc -static -O2 of the test program (resources/vmm/testguests/guestprog.c). */
    static Path compileProgram(Path work) throws IOException, InterruptedException {
        Path source = work.resolve("guestprog.c");
        try (InputStream in = LinuxGuest.class.getResourceAsStream("guestprog.c")) {
            if (in == null) {
                return fail("guestprog.c is missing from the test resources");
            }
            Files.write(source, in.readAllBytes());
        }
        Path out = work.resolve("guestprog");
        exec(work, 120, "gcc", "-static", "-O2", "-pthread", "-o", out.toString(), source.toString(), "-lm");
        return out;
    }

    static String runNatively(Path program) throws IOException, InterruptedException {
        return exec(program.getParent(), 60, program.toAbsolutePath().toString());
    }

    static String exec(Path dir, int seconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + seconds + " s");
        }
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }

    static String sha256(byte[] data) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static String lastLine(String serial) {
        String[] lines = serial.strip().split("\n");
        return lines.length == 0 ? "nothing printed" : lines[lines.length - 1];
    }

    /** What must not be in the kernel log of a healthy boot on our machine. */
    static final List<String> LOG_TROUBLE = List.of("WARNING", "BUG", "Oops", "unchecked MSR access", "Call Trace",
            "Marking TSC unstable", "calibrate_delay", "failed to get a good estimate", "clocksource watchdog");

    static void assertCleanLog(String log) {
        for (String bad : LOG_TROUBLE) {
            if (log.contains(bad)) {
                fail("'" + bad + "' in the kernel log:\n" + log);
            }
        }
    }

    /**
     * A second machine made as this one, with a console of its own, restored from a state
     * {@link Machine#saveState(Path)} wrote, and started.
     */
    LinuxGuest restored(Path state) throws Exception {
        SerialShell twinShell = new SerialShell();
        MachineConfig twin = new MachineConfig(config.memoryBytes(), config.cpus(), config.kernel(), config.initrd(),
                config.commandLine(), config.accelerator(), new Console(twinShell.out, twinShell.in), config.reboot(),
                config.devices());
        Machine m = Machines.create(twin, Accelerators.all());
        try {
            m.restoreState(state);
            m.start();
        } catch (Exception | Error e) {
            m.close();
            twinShell.close();
            throw e;
        }
        return new LinuxGuest(m, twinShell, 0, programNativeOutput, knownSha256, twin);
    }

    SerialShell.Result run(String command) throws Exception {
        return shell.run(command, Duration.ofSeconds(120));
    }

    @Override
    public void close() {
        machine.close();
        shell.close();
    }
}
