package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo domain as a user meets it, in the interactive shell on a real pseudo-terminal
 * (util-linux's {@code script}): the VMM defines it in a fresh state folder from the cached
 * guest material and the banner says how to try it; {@code start demo} boots Debian's kernel,
 * {@code console demo} reaches its shell (keys typed reach it and its answer comes back; the
 * terminal is raw, so Ctrl+] alone detaches back to the {@code vmm # } prompt), and
 * {@code shutdown demo} presses the ACPI power button: in shutdown, then shut off (shutdown)
 * once the guest's acpid has powered it off. Between the two, virsh save and restore: the
 * restored guest's shell answers again. Shut off, it clones and the clone undefines. One Linux
 * boot.
 */
class DemoDomainTest {
    @TempDir
    Path state;

    @Test
    void theDemoBootsToAShellOnTheConsoleAndPowersOffOnThePowerButton() throws Exception {
        String launcher = String.join(" ", Distribution.java().toString(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", Distribution.root().resolve("vmm.launcher.jar").toString(),
                "--state", state.toString());
        try (VmmProcess vmm = VmmProcess.startRaw(Map.of("VMM_DEMO", "on"), "script", "-qfec",
                "stty cols 120 rows 40; " + launcher, "/dev/null")) {
            vmm.waitForOutput("Welcome to vmm", Duration.ofSeconds(60));
            vmm.waitForOutput("vmm # ", Duration.ofSeconds(20));
            assertTrue(vmm.output().contains("Domains:     1 defined, 0 running\r\n"
                    + "Demo:        'start --console demo' boots Linux to a shell"), vmm.output());
            Path images = state.resolve("images/demo");
            assertTrue(Files.size(images.resolve("vmlinuz")) > 1 << 20 && Files.size(images.resolve("initrd.img")) > 1 << 20);
            String xml = Files.readString(state.resolve("domains/demo.xml"));
            assertTrue(xml.contains("<kernel>" + images.resolve("vmlinuz") + "</kernel>"), xml);

            vmm.sendRaw("start demo\r");
            vmm.waitForOutput("Domain 'demo' started", Duration.ofSeconds(30));
            int mark = vmm.output().length();
            vmm.sendRaw("console demo\r");
            vmm.waitForOutput("Escape character is ^] (Ctrl + ])", Duration.ofSeconds(30));
            // Attached before the guest's init ran, so its whole boot shows here.
            awaitAfter(vmm, mark, Pattern.compile("demo: Linux is up [^\\r\\n]+ 1 vCPU"), Duration.ofSeconds(240));
            awaitAfter(vmm, mark, Pattern.compile("demo:~# "), Duration.ofSeconds(60));
            mark = vmm.output().length();
            vmm.sendRaw("echo hello-$((6*7))-$$\r");
            awaitAfter(vmm, mark, Pattern.compile("\\nhello-42-[0-9]+\\r\\n"), Duration.ofSeconds(60));
            awaitAfter(vmm, mark, Pattern.compile("demo:~# "), Duration.ofSeconds(60));
            // Ctrl+] alone (no Enter): only a raw terminal passes it on at once.
            mark = vmm.output().length();
            vmm.sendRaw("\u001d");
            awaitAfter(vmm, mark, Pattern.compile("vmm # "), Duration.ofSeconds(30));

            // virsh save and restore of the running Linux: its shell answers again afterwards.
            Path saved = state.resolve("demo.save");
            mark = vmm.output().length();
            vmm.sendRaw("save demo " + saved + "\r");
            awaitAfter(vmm, mark, Pattern.compile("Domain 'demo' saved to " + Pattern.quote(saved.toString())),
                    Duration.ofSeconds(120));
            mark = vmm.output().length();
            vmm.sendRaw("domstate --reason demo\r");
            awaitAfter(vmm, mark, Pattern.compile("shut off \\(saved\\)"), Duration.ofSeconds(30));
            assertTrue(Files.size(saved) > 1 << 20, "the save file holds the guest's RAM");
            mark = vmm.output().length();
            vmm.sendRaw("restore " + saved + "\r");
            awaitAfter(vmm, mark, Pattern.compile("Domain restored from " + Pattern.quote(saved.toString())),
                    Duration.ofSeconds(120));
            mark = vmm.output().length();
            vmm.sendRaw("domstate --reason demo\r");
            awaitAfter(vmm, mark, Pattern.compile("running \\(restored\\)"), Duration.ofSeconds(30));
            mark = vmm.output().length();
            vmm.sendRaw("console demo\r");
            vmm.waitForOutput("Escape character is ^] (Ctrl + ])", Duration.ofSeconds(30));
            vmm.sendRaw("echo again-$((6*7))\r");
            awaitAfter(vmm, mark, Pattern.compile("\\nagain-42\\r\\n"), Duration.ofSeconds(60));
            mark = vmm.output().length();
            vmm.sendRaw("\u001d");
            awaitAfter(vmm, mark, Pattern.compile("vmm # "), Duration.ofSeconds(30));

            mark = vmm.output().length();
            vmm.sendRaw("shutdown demo; domstate --reason demo\r");
            awaitAfter(vmm, mark, Pattern.compile("Domain 'demo' is being shutdown\\r\\n\\r\\nin shutdown \\(user\\)"),
                    Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            String now = "";
            while (System.nanoTime() < deadline && !now.contains("shut off (shutdown)")) {
                Thread.sleep(500);
                mark = vmm.output().length();
                vmm.sendRaw("domstate --reason demo\r");
                now = awaitAfter(vmm, mark, Pattern.compile("(in shutdown \\(user\\)|shut off \\(shutdown\\))"),
                        Duration.ofSeconds(30));
            }
            assertEquals("shut off (shutdown)", now);
            String console = Files.readString(state.resolve("logs/demo.console.log"));
            assertTrue(console.contains("demo: the power button was pressed; powering off")
                    && console.contains("reboot: Power down"), console);
            // Shut off, it clones (no disks: a new name, uuid and MACs) and the clone undefines.
            mark = vmm.output().length();
            vmm.sendRaw("clone --original demo --name demo2 --auto-clone\r");
            awaitAfter(vmm, mark, Pattern.compile("Clone 'demo2' created successfully\\."), Duration.ofSeconds(30));
            mark = vmm.output().length();
            vmm.sendRaw("undefine demo2\r");
            awaitAfter(vmm, mark, Pattern.compile("Domain 'demo2' has been undefined"), Duration.ofSeconds(30));
            vmm.sendRaw("quit\r");
            assertEquals(0, vmm.waitFor(Duration.ofSeconds(30)), vmm.output());
        }
    }

    /** Waits until the output after {@code mark} matches; returns the match. */
    private static String awaitAfter(VmmProcess vmm, int mark, Pattern p, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            var m = p.matcher(vmm.output().substring(mark));
            if (m.find()) {
                return m.group();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never saw /" + p + "/ after offset " + mark + "; output:\n" + vmm.output());
            }
            Thread.sleep(50);
        }
    }
}
