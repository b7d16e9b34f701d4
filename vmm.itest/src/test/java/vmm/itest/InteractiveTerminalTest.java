package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell on a real pseudo-terminal (through util-linux's {@code script}): the product's
 * banner and {@code vmm # } prompt, line editing on the terminal, Tab completes command and
 * domain names (the daemon says which), and {@code quit} leaves the shell while the daemon it
 * started runs on with its domains, as virsh and libvirtd.
 */
class InteractiveTerminalTest {
    @TempDir
    Path state;

    @AfterEach
    void stopDaemon() throws Exception {
        if (java.nio.file.Files.exists(state.resolve("run/vmm.sock"))) {
            VmmProcess.run(state, "daemon", "stop");
        }
    }

    private String launcher() {
        return String.join(" ", Distribution.java().toString(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", Distribution.root().resolve("vmm.launcher.jar").toString(),
                "--state", state.toString());
    }

    private static void awaitAfter(VmmProcess vmm, int mark, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!vmm.output().substring(mark).contains(text)) {
            assertTrue(System.nanoTime() < deadline, "never saw '" + text + "' after:\n" + vmm.output().substring(mark));
            Thread.sleep(50);
        }
    }

    @Test
    void whenTheDaemonCannotStartTheShellSaysWhy() throws Exception {
        // The daemon's framework cache cannot be made: it exits, and the shell shows its log's end.
        java.nio.file.Files.writeString(state.resolve("cache"), "not a folder");
        try (VmmProcess vmm = VmmProcess.start(state)) {
            vmm.closeInput();
            assertEquals(1, vmm.waitFor(Duration.ofSeconds(60)), vmm.errors());
            assertTrue(vmm.errors().startsWith("vmm: the daemon exited with status 1 before it answered on "
                    + state.resolve("run/vmm.sock") + "; the end of " + state.resolve("logs/daemon.log") + ":\n"), vmm.errors());
            assertTrue(vmm.errors().contains("cannot create the state folder " + state), vmm.errors());
        }
    }

    @Test
    void aDomainStartedInTheShellRunsOnAfterQuit() throws Exception {
        Path elf = RunningDomainTest.buildIdleGuest(state);
        Path xml = state.resolve("idle.xml");
        java.nio.file.Files.writeString(xml, """
                <domain type='qemu'>
                  <name>idle</name>
                  <memory unit='MiB'>16</memory>
                  <os><type>hvm</type><kernel>%s</kernel></os>
                </domain>
                """.formatted(elf));
        // A daemon started from elsewhere: a relative file is the shell's, not the daemon's.
        assertEquals(0, VmmProcess.run(state, "daemon", "start").status());
        try (VmmProcess vmm = VmmProcess.startRaw("script", "-qfec", "stty cols 120 rows 40; cd " + state + "; " + launcher(),
                "/dev/null")) {
            vmm.waitForOutput("vmm # ", Duration.ofSeconds(60));
            vmm.sendRaw("define " + xml.getFileName() + "\r");
            vmm.waitForOutput("Domain 'idle' defined from idle.xml", Duration.ofSeconds(30));
            // "id" completes to the only domain: Tab's answer comes from the daemon.
            vmm.sendRaw("start id\t\r");
            vmm.waitForOutput("Domain 'idle' started", Duration.ofSeconds(30));
            // The console is raw: Ctrl+] alone detaches, back at the prompt.
            int mark = vmm.output().length();
            vmm.sendRaw("console idle\r");
            awaitAfter(vmm, mark, "Escape character is ^] (Ctrl + ])");
            mark = vmm.output().length();
            vmm.sendRaw("\u001d");
            awaitAfter(vmm, mark, "vmm # ");
            vmm.sendRaw("quit\r");
            assertEquals(0, vmm.waitFor(Duration.ofSeconds(30)), vmm.output());
        }
        // The shell is gone, the domain runs on in the daemon, and the next command sees it.
        var list = VmmProcess.run(state, "-c", "list");
        assertEquals(0, list.status(), list.err());
        assertEquals(" Id   Name   State\n----------------------\n 1    idle   running\n\n", list.out());
        var destroy = VmmProcess.run(state, "-c", "destroy idle", "-c", "list --all");
        assertEquals("Domain 'idle' destroyed\n\n Id   Name   State\n-----------------------\n -    idle   shut off\n\n",
                destroy.out());
    }

    @Test
    void tabCompletesCommandsOnARealTerminal() throws Exception {
        java.nio.file.Files.createDirectories(state.resolve("domains"));
        java.nio.file.Files.writeString(state.resolve("domains/web.xml"),
                "<domain type='qemu'><name>web</name><memory unit='MiB'>64</memory></domain>");
        String launcher = launcher();
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
            // A history line comes back with the up arrow.
            int mark = vmm.output().length();
            vmm.sendRaw("\u001b[A\u001b[A\r");
            awaitAfter(vmm, mark, "Name:           web");
            vmm.sendRaw("quit\r");
            assertEquals(0, vmm.waitFor(Duration.ofSeconds(30)), vmm.output());
            assertTrue(!vmm.output().contains("dumb terminal"), "jline fell back to a dumb terminal:\n" + vmm.output());
        }
    }

    @Test
    void editRunsTheEditorOnTheShellsTerminal() throws Exception {
        java.nio.file.Files.createDirectories(state.resolve("domains"));
        java.nio.file.Files.writeString(state.resolve("domains/web.xml"),
                "<domain type='qemu'><name>web</name><memory unit='MiB'>64</memory></domain>");
        // An editor that insists on a terminal, as vi does, and reads what to write from it:
        // so the keys must reach it, not the shell. With an empty answer it changes nothing.
        Path editor = state.resolve("editor.sh");
        java.nio.file.Files.writeString(editor, """
                #!/bin/sh
                [ -t 0 ] && [ -t 1 ] || { echo "editor: no terminal" >&2; exit 3; }
                printf 'title? '
                read title
                [ -z "$title" ] || sed -i "s|</name>|</name><title>$title</title>|" "$1"
                """);
        editor.toFile().setExecutable(true);
        Path tmp = java.nio.file.Files.createDirectories(state.resolve("tmp"));
        try (VmmProcess vmm = VmmProcess.startRaw("script", "-qfec",
                "stty cols 120 rows 40; EDITOR=" + editor + " TMPDIR=" + tmp + " " + launcher(), "/dev/null")) {
            vmm.waitForOutput("vmm # ", Duration.ofSeconds(60));
            int mark = vmm.output().length();
            vmm.sendRaw("edit web\r");
            awaitAfter(vmm, mark, "title? ");
            vmm.sendRaw("typed on the terminal\r");
            awaitAfter(vmm, mark, "Domain 'web' XML configuration edited.");
            awaitAfter(vmm, mark, "vmm # ");
            mark = vmm.output().length();
            vmm.sendRaw("dumpxml web\r");
            awaitAfter(vmm, mark, "<title>typed on the terminal</title>");
            awaitAfter(vmm, mark, "vmm # ");
            mark = vmm.output().length();
            vmm.sendRaw("edit web\r");
            awaitAfter(vmm, mark, "title? ");
            vmm.sendRaw("\r");
            awaitAfter(vmm, mark, "Domain 'web' XML configuration not changed.");
            // The line editor has the terminal again: Tab completes.
            awaitAfter(vmm, mark, "vmm # ");
            mark = vmm.output().length();
            vmm.sendRaw("dominfo we\t\r");
            awaitAfter(vmm, mark, "Name:           web");
            vmm.sendRaw("quit\r");
            assertEquals(0, vmm.waitFor(Duration.ofSeconds(30)), vmm.output());
            assertTrue(!vmm.output().contains("no terminal") && !vmm.output().contains("error:"), vmm.output());
        }
        // The temporary files are gone.
        try (var left = java.nio.file.Files.list(tmp)) {
            assertEquals(java.util.List.of(), left.toList());
        }
    }
}
