package vmm.shell.internal.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's boot files from the cached guest material: the initramfs holds busybox's init,
 * the power button's modules and acpid's handler; without the material the error says what is
 * missing and how to fetch it. (The demo booting and powering off: vmm.itest's DemoDomainTest.)
 */
class DemoMaterialTest {
    @TempDir
    Path dir;

    @Test
    void withoutTheGuestMaterialTheErrorSaysHowToFetchIt() {
        var e = assertThrows(DemoMaterial.Unavailable.class, () -> DemoMaterial.build(dir.resolve("empty"), dir.resolve("out")));
        assertTrue(e.getMessage().startsWith("no Debian kernel under " + dir.resolve("empty/kernel/boot")), e.getMessage());
        assertTrue(e.getMessage().contains("run scripts/guest-material"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("out")), "nothing written");
    }

    @Test
    void theInitramfsHasInitTheModulesAndThePowerButtonHandler() throws Exception {
        DemoMaterial.Boot boot = DemoMaterial.build(DemoMaterial.guestCache(), dir);
        assertTrue(Files.size(boot.kernel()) > 1 << 20);
        Map<String, String> entries = newc(Files.readAllBytes(boot.initrd()));
        assertEquals("link bin/busybox", entries.get("init"));
        assertEquals("link busybox", entries.get("bin/sh"));
        assertTrue(entries.get("etc/acpi/PWRF/00000080").startsWith("file 755 #!/bin/sh"), entries.get("etc/acpi/PWRF/00000080"));
        assertTrue(entries.get("etc/acpi/PWRF/00000080").contains("exec poweroff"));
        assertTrue(entries.get("etc/init.d/rcS").contains("insmod /lib/modules/button.ko"));
        assertTrue(entries.get("etc/init.d/rcS").contains("acpid -c /etc/acpi"));
        assertTrue(entries.get("etc/inittab").contains("ttyS0::respawn:-/bin/sh"));
        assertTrue(entries.containsKey("lib/modules/button.ko") && entries.containsKey("lib/modules/evdev.ko"), entries.keySet().toString());
        assertTrue(entries.get("bin/busybox").startsWith("file 755 \u007fELF"));
        assertTrue(entries.containsKey("TRAILER!!!"));
    }

    /** Reads a newc archive: name -> "link TARGET" or "file PERM CONTENT" or "dir". */
    private static Map<String, String> newc(byte[] a) {
        Map<String, String> out = new LinkedHashMap<>();
        int at = 0;
        while (at < a.length) {
            String h = new String(a, at, 110, StandardCharsets.US_ASCII);
            assertEquals("070701", h.substring(0, 6), "header magic at " + at);
            int mode = Integer.parseInt(h.substring(14, 22), 16);
            int size = Integer.parseInt(h.substring(54, 62), 16);
            int nameSize = Integer.parseInt(h.substring(94, 102), 16);
            String name = new String(a, at + 110, nameSize - 1, StandardCharsets.UTF_8);
            int data = (at + 110 + nameSize + 3) & ~3;
            String body = new String(a, data, Math.min(size, 64 * 1024), StandardCharsets.ISO_8859_1);
            out.put(name, switch (mode & 0170000) {
                case 0120000 -> "link " + body;
                case 0100000 -> "file " + Integer.toOctalString(mode & 0777) + " " + body;
                default -> "dir";
            });
            at = (data + size + 3) & ~3;
            if (name.equals("TRAILER!!!")) {
                break;
            }
        }
        return out;
    }
}
