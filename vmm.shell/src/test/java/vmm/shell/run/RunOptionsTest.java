package vmm.shell.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.machine.MachineConfig;
import vmm.core.machine.RebootPolicy;

/** vmm run's options: QEMU's spellings, sizes, and named errors. */
class RunOptionsTest {

    @TempDir
    Path dir;

    @Test
    void parsesEveryOption() throws IOException {
        Path k = Files.writeString(dir.resolve("k"), "x");
        RunOptions o = RunOptions.parse(new String[] {"--kernel", k.toString(), "--initrd", "a,b c", "--append",
                "console=ttyS0", "--memory", "1G", "--cpus", "4", "--accel", "emu", "--no-reboot"});
        MachineConfig c = o.config().build();
        assertEquals(k, c.kernel());
        assertEquals("a,b c", c.initrd());
        assertEquals("console=ttyS0", c.commandLine());
        assertEquals(1L << 30, c.memoryBytes());
        assertEquals(4, c.cpus());
        assertEquals("emu", c.accelerator());
        assertEquals(RebootPolicy.EXIT, c.reboot());
        RunOptions q = RunOptions.parse(new String[] {"-kernel", k.toString(), "-m", "256", "-smp", "2"});
        assertEquals(256L << 20, q.memory());
        assertEquals("auto", q.accel());
        assertEquals(RebootPolicy.RESET, q.config().build().reboot());
    }

    @Test
    void sizes() {
        assertEquals(128L << 20, RunOptions.size("128"));
        assertEquals(512L << 10, RunOptions.size("512K"));
        assertEquals(2L << 30, RunOptions.size("2g"));
        assertEquals(64L << 20, RunOptions.size("64MB"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunOptions.size("12Q")).getMessage()
                .contains("unknown suffix"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunOptions.size("1x2M")).getMessage()
                .contains("not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunOptions.size("-1")).getMessage()
                .contains("out of range"));
    }

    @Test
    void errorsNameTheProblem() throws IOException {
        Path k = Files.writeString(dir.resolve("k"), "x");
        assertEquals("--kernel FILE is required", message());
        assertEquals("unknown option '--frobnicate'", message("--frobnicate"));
        assertEquals("option --append needs a value", message("--kernel", k.toString(), "--append"));
        assertEquals("--accel takes kvm, emu or auto, not 'tcg'", message("--kernel", k.toString(), "--accel", "tcg"));
        assertEquals("--cpus 65: 1 to 64", message("--kernel", k.toString(), "--cpus", "65"));
        assertTrue(message("--kernel", dir.resolve("missing").toString()).startsWith("cannot read the kernel"));
        assertTrue(RunOptions.parse(new String[] {"--help"}).help());
    }

    private static String message(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> RunOptions.parse(args)).getMessage();
    }
}
