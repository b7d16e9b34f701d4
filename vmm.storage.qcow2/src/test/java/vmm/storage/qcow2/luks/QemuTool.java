package vmm.storage.qcow2.luks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs qemu-img and qemu-io for interop tests and fails the test when they do. */
public final class QemuTool {

    private QemuTool() {
    }

    static boolean available() {
        try {
            Process p = new ProcessBuilder("qemu-img", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs the command in dir, asserts exit status 0 and returns stdout+stderr. */
    static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + out);
        return out;
    }

    /**
     * qemu-img create for an encrypted image. QEMU calibrates PBKDF2 by timing 2^15 iterations
     * with getrusage(RUSAGE_THREAD) and gives up with "Unable to get accurate CPU usage" when
     * that round measures 0 ms. With SHA-NI the round takes about 2 ms, and where the kernel
     * accounts CPU time in 4 ms ticks (this machine: measured) most rounds measure 0: 18 of 40
     * creates succeeded here. A failed attempt costs only that first round, so only that
     * failure is retried, up to {@value #CALIBRATION_ATTEMPTS} times.
     */
    public static void createEncrypted(Path dir, String... command) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
            if (p.exitValue() == 0) {
                return;
            }
            assertTrue(attempt < CALIBRATION_ATTEMPTS && out.contains("Unable to get accurate CPU usage"),
                    "attempt " + attempt + ": " + String.join(" ", command) + "\n" + out);
        }
    }

    /** At a 90% failure rate per attempt, 200 attempts all fail with probability 7e-10. */
    private static final int CALIBRATION_ATTEMPTS = 200;

    static String secret(String passphrase) {
        return "secret,id=s0,data=" + passphrase;
    }

    /** qemu-io on a standalone LUKS file, one {@code -c} per command. */
    static String qemuIoLuks(Path dir, String file, String passphrase, String... commands)
            throws IOException, InterruptedException {
        return qemuIo(dir, "driver=luks,key-secret=s0,file.filename=" + file, passphrase, commands);
    }

    /** qemu-io on a LUKS-encrypted qcow2 file. */
    static String qemuIoQcow2(Path dir, String file, String passphrase, String... commands)
            throws IOException, InterruptedException {
        return qemuIo(dir, "driver=qcow2,encrypt.key-secret=s0,file.filename=" + file, passphrase, commands);
    }

    private static String qemuIo(Path dir, String imageOpts, String passphrase, String... commands)
            throws IOException, InterruptedException {
        String[] cmd = new String[5 + 2 * commands.length];
        cmd[0] = "qemu-io";
        cmd[1] = "--object";
        cmd[2] = secret(passphrase);
        cmd[3] = "--image-opts";
        cmd[4] = imageOpts;
        for (int i = 0; i < commands.length; i++) {
            cmd[5 + 2 * i] = "-c";
            cmd[6 + 2 * i] = commands[i];
        }
        String out = run(dir, cmd);
        // qemu-io exits non-zero on a pattern mismatch too, but say it plainly if it ever does not.
        assertFalse(out.contains("Pattern verification failed"), out);
        return out;
    }
}
