package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell on a real pseudo-terminal (through util-linux's {@code script}): the product's
 * banner and {@code vmm # } prompt, jline finds the terminal, so Tab completes command and
 * domain names, and {@code quit} ends the VMM.
 */
class InteractiveTerminalTest {
    @TempDir
    Path state;

    @Test
    void tabCompletesCommandsOnARealTerminal() throws Exception {
        java.nio.file.Files.createDirectories(state.resolve("domains"));
        java.nio.file.Files.writeString(state.resolve("domains/web.xml"),
                "<domain type='qemu'><name>web</name><memory unit='MiB'>64</memory></domain>");
        String launcher = String.join(" ", Distribution.java().toString(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", Distribution.root().resolve("vmm.launcher.jar").toString(),
                "--state", state.toString());
        // script's pseudo-terminal has no size when the test has no terminal; jline then draws
        // the prompt in zero columns. A size as a real terminal has:
        try (VmmProcess vmm = VmmProcess.startRaw("script", "-qfec", "stty cols 120 rows 40; " + launcher, "/dev/null")) {
            vmm.waitForOutput("Welcome to vmm 0.1.0", Duration.ofSeconds(60));
            vmm.waitForOutput("vmm # ", Duration.ofSeconds(10));
            assertTrue(vmm.output().contains("Domains:     1 defined, 0 running"), vmm.output());
            assertTrue(vmm.output().contains("Accelerator: "), vmm.output());
            assertTrue(!vmm.output().contains("Apache Felix Gogo") && !vmm.output().contains("g! "), vmm.output());
            // A domain name completes after a virsh command.
            vmm.sendRaw("dominfo we\t\r");
            vmm.waitForOutput("Name:           web", Duration.ofSeconds(10));
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
