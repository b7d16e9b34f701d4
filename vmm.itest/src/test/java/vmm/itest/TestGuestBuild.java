package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds a freestanding multiboot test guest with gcc from the test guests' runtime
 * (vmm.testguests/guests: boot.S, isr.S, lib.c, guest.ld) and one C file, as vmm.testguests'
 * own build does, so a domain test runs the same kind of guest.
 */
final class TestGuestBuild {
    private static final Path RUNTIME = Path.of("..", "vmm.testguests", "guests").toAbsolutePath().normalize();

    private TestGuestBuild() {
    }

    /** {@code vmm.testguests/guests/NAME.c} built into {@code dir/NAME.elf}. */
    static Path fromTestGuests(Path dir, String name) throws IOException, InterruptedException {
        return build(dir, RUNTIME.resolve(name + ".c"), name);
    }

    /** This package's resource {@code NAME.c} built into {@code dir/NAME.elf}. */
    static Path fromResource(Path dir, String name) throws IOException, InterruptedException {
        Path source = dir.resolve(name + ".c");
        try (InputStream in = TestGuestBuild.class.getResourceAsStream(name + ".c")) {
            Files.write(source, in.readAllBytes());
        }
        return build(dir, source, name);
    }

    private static Path build(Path dir, Path source, String name) throws IOException, InterruptedException {
        Path elf = dir.resolve(name + ".elf");
        List<String> cmd = List.of("gcc", "-m32", "-march=i686", "-O2", "-ffreestanding", "-fno-pic",
                "-fno-pie", "-fno-stack-protector", "-fno-builtin", "-nostdlib", "-fno-asynchronous-unwind-tables",
                "-I" + RUNTIME, "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,-z,noexecstack",
                "-Wl,--no-warn-rwx-segments", "-Wl,-T," + RUNTIME.resolve("guest.ld"), "-o", elf.toString(),
                RUNTIME.resolve("boot.S").toString(), RUNTIME.resolve("isr.S").toString(),
                RUNTIME.resolve("lib.c").toString(), source.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc failed:\n" + log);
        return elf;
    }
}
