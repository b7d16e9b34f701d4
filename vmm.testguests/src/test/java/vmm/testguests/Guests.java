package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Builds the test guests with gcc (guests/build) once per test run and finds them. */
final class Guests {

    private static Path dir;

    private Guests() {
    }

    static synchronized Path dir() throws IOException, InterruptedException {
        if (dir == null) {
            Path out = Path.of("target", "guests").toAbsolutePath();
            Process p = new ProcessBuilder("sh", Path.of("guests", "build").toString(), out.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            assertEquals(0, p.exitValue(), "guests/build failed:\n" + log);
            dir = out;
        }
        return dir;
    }

    static Path elf(String name) throws IOException, InterruptedException {
        return dir().resolve(name + ".elf");
    }
}
