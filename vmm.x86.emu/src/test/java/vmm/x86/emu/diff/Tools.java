package vmm.x86.emu.diff;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the host's gcc, as, objcopy and nm, failing with their output when they fail. */
final class Tools {
    private Tools() {
    }

    static String run(Path dir, List<String> cmd) throws IOException {
        Path log = Files.createTempFile(dir, "tool", ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + ": interrupted", e);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "):\n"
                    + (out.length() > 4000 ? out.substring(0, 4000) + "..." : out));
        }
        return out;
    }
}
