package vmm.testguests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** QEMU (TCG) as the reference: the same kernel with -kernel, the serial console and the exit status. */
final class Qemu {

    record Result(int status, String serial) {
    }

    private Qemu() {
    }

    static Result run(Path kernel, int cpus, String append, boolean noReboot, int timeoutSeconds)
            throws IOException, InterruptedException {
        return run(kernel, cpus, append, noReboot, timeoutSeconds, List.of());
    }

    /** As above, with more QEMU arguments (devices, drives). */
    static Result run(Path kernel, int cpus, String append, boolean noReboot, int timeoutSeconds, List<String> extra)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg", "-M", "pc",
                "-smp", Integer.toString(cpus), "-m", "128",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-device", "pc-testdev",
                "-kernel", kernel.toString(), "-serial", "stdio", "-display", "none", "-nodefaults"));
        if (append != null) {
            cmd.addAll(List.of("-append", append));
        }
        if (noReboot) {
            cmd.add("-no-reboot");
        }
        cmd.addAll(extra);
        Path err = Files.createTempFile("qemu", ".err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        byte[][] out = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = ("(reading QEMU's output failed: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            reader.join();
            fail("QEMU did not finish within " + timeoutSeconds + " s; serial:\n" + text(out[0]));
        }
        reader.join();
        String stderr = Files.readString(err);
        Files.delete(err);
        String serial = text(out[0]);
        if (!stderr.isBlank()) {
            serial += "\n[qemu stderr] " + stderr;
        }
        return new Result(p.exitValue(), serial);
    }

    static String text(byte[] b) {
        return b == null ? "" : new String(b, StandardCharsets.ISO_8859_1).replace("\r", "");
    }
}
