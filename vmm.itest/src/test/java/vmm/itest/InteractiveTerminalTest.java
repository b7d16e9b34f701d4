package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell on a real pseudo-terminal (through util-linux's {@code script}): jline must find
 * the terminal, so Tab completes a command name and {@code quit} ends the VMM.
 */
class InteractiveTerminalTest {
    @TempDir
    Path state;

    @Test
    void tabCompletesCommandsOnARealTerminal() throws Exception {
        String launcher = String.join(" ", Distribution.java().toString(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", Distribution.root().resolve("vmm.launcher.jar").toString(),
                "--state", state.toString());
        try (VmmProcess vmm = VmmProcess.startRaw("script", "-qfec", launcher, "/dev/null")) {
            vmm.waitForOutput("Welcome to Apache Felix Gogo", Duration.ofSeconds(60));
            // "vmm:vers" alone is no command: only completion turns it into vmm:version.
            // jline handles keys in order, so Enter right after Tab runs the completed line.
            vmm.sendRaw("vmm:vers\t\r");
            vmm.waitForOutput("state: " + state, Duration.ofSeconds(10));
            assertTrue(!vmm.output().contains("Command not found"), vmm.output());
            vmm.sendRaw("quit\r");
            assertEquals(0, vmm.waitFor(Duration.ofSeconds(30)), vmm.output());
            assertTrue(!vmm.output().contains("dumb terminal"), "jline fell back to a dumb terminal:\n" + vmm.output());
        }
    }
}
