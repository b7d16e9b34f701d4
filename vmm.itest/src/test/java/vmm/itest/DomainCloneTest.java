package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clone} as virt-clone: disks made and written by the real qemu-img/qemu-io, cloned by
 * the VMM's daemon (copies, or qcow2 overlays), then checked by qemu-img: same guest data, a new
 * UUID and MAC, the cdrom shared; and the refusals (a name in use, missing disk paths).
 */
class DomainCloneTest {
    @TempDir
    Path state;
    private Path qcow2;
    private Path raw;

    @BeforeEach
    void disksAndDomain() throws Exception {
        qcow2 = state.resolve("base.qcow2");
        raw = state.resolve("data.img");
        tool("qemu-img", "create", "-q", "-f", "qcow2", qcow2.toString(), "8M");
        tool("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 64k", qcow2.toString());
        tool("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "4M");
        tool("qemu-io", "-f", "raw", "-c", "write -P 0xa5 0 4k", raw.toString());
        Path xml = state.resolve("base.xml");
        Files.writeString(xml, """
                <domain type='qemu'>
                  <name>base</name>
                  <uuid>6f1d0b52-7c1e-4d0e-9a51-0c8e9e0b1a01</uuid>
                  <memory unit='MiB'>16</memory>
                  <vcpu>1</vcpu>
                  <os><type>hvm</type><kernel>/nonexistent</kernel></os>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='qcow2'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='raw'/>
                      <source file='%s'/>
                      <target dev='vdb' bus='virtio'/>
                    </disk>
                    <disk type='file' device='cdrom'>
                      <source file='/srv/install.iso'/>
                      <target dev='hdc' bus='ide'/>
                      <readonly/>
                    </disk>
                    <interface type='network'>
                      <mac address='52:54:00:11:22:33'/>
                      <source network='default'/>
                      <model type='virtio'/>
                    </interface>
                  </devices>
                </domain>
                """.formatted(qcow2, raw));
        assertEquals(0, VmmProcess.run(state, "daemon", "start").status());
        var r = VmmProcess.run(state, "-c", "define " + xml);
        assertEquals(0, r.status(), r.err());
    }

    @AfterEach
    void stopDaemon() throws Exception {
        if (Files.exists(state.resolve("run/vmm.sock"))) {
            VmmProcess.run(state, "daemon", "stop");
        }
    }

    private static String tool(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    private static String only(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in:\n" + text);
        return m.group(1);
    }

    @Test
    void aCloneHasItsOwnIdentityAndCopiesOfTheDisks() throws Exception {
        Path copy0 = state.resolve("copy.qcow2");
        Path copy1 = state.resolve("copy.img");
        var r = VmmProcess.run(state, "-c", "clone --original base --name copy --file " + copy0 + " --file " + copy1,
                "-c", "dumpxml copy", "-c", "domblklist copy", "-c", "dumpxml base");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Allocating 'copy.qcow2'\nAllocating 'copy.img'\n\n"
                + "Clone 'copy' created successfully.\n\n"), r.out());
        String[] xmls = r.out().split("</domain>\n");
        String cloneXml = xmls[0];
        String baseXml = xmls[1];
        assertEquals("copy", only("<name>([^<]*)</name>", cloneXml));
        assertNotEquals(only("<uuid>([^<]*)</uuid>", baseXml), only("<uuid>([^<]*)</uuid>", cloneXml));
        String mac = only("<mac address='([^']*)'/>", cloneXml);
        assertTrue(mac.matches("52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}") && !mac.equals("52:54:00:11:22:33"), mac);
        assertTrue(r.out().contains("""
                 Target   Source
                %s
                 vda      %s
                 vdb      %s
                 hdc      /srv/install.iso
                """.formatted("-".repeat(copy0.toString().length() + 12), copy0, copy1)), r.out());
        // The copies hold the guest's data and are independent files of the same formats.
        tool("qemu-img", "compare", "-q", "-f", "qcow2", "-F", "qcow2", qcow2.toString(), copy0.toString());
        tool("qemu-img", "compare", "-q", "-f", "raw", "-F", "raw", raw.toString(), copy1.toString());
        assertTrue(tool("qemu-img", "info", copy0.toString()).contains("file format: qcow2"));
        assertFalse(tool("qemu-img", "info", copy0.toString()).contains("backing file"));
        tool("qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 1M 64k", copy0.toString());
    }

    @Test
    void overlaysAreBackedByTheOriginalsAndAutoCloneNamesThem() throws Exception {
        var r = VmmProcess.run(state, "-c", "clone --original base --name lab --auto-clone --overlay",
                "-c", "domblklist lab");
        assertEquals(0, r.status(), r.err());
        Path o0 = state.resolve("lab.qcow2");
        Path o1 = state.resolve("lab-1.img");
        assertTrue(r.out().startsWith("Allocating 'lab.qcow2'\nAllocating 'lab-1.img'\n\n"
                + "Clone 'lab' created successfully.\n\n"), r.out());
        String info = tool("qemu-img", "info", o1.toString());
        assertTrue(info.contains("file format: qcow2") && info.contains("backing file: " + raw), info);
        assertTrue(tool("qemu-img", "info", o0.toString()).contains("backing file: " + qcow2));
        // The overlay reads the original's data through its backing file.
        tool("qemu-io", "-f", "qcow2", "-c", "read -P 0xa5 0 4k", o1.toString());
        var xml = VmmProcess.run(state, "-c", "dumpxml lab");
        assertTrue(xml.out().contains("<driver name='qemu' type='qcow2'/>\n      <source file='" + o1 + "'/>"), xml.out());
    }

    @Test
    void refusalsLeaveNothingBehind() throws Exception {
        record Case(String command, String err) {
        }
        for (Case c : List.of(
                new Case("clone --original base --name base --auto-clone",
                        "error: Invalid name for new guest: Guest name 'base' is already in use.\n"),
                new Case("clone --original nope --name x --auto-clone", "error: failed to get domain 'nope'\n"),
                new Case("clone --original base --name x", "error: A disk path must be specified to clone '" + qcow2
                        + "' (--file or --auto-clone).\n"),
                new Case("clone --original base --name x --file " + raw + " --file " + state.resolve("y.img"),
                        "error: Clone onto existing storage volume is not currently supported: '" + raw + "'\n"),
                new Case("clone --name x", "error: command 'clone' requires <original> option\n"))) {
            var r = VmmProcess.run(state, "-c", c.command());
            assertEquals(1, r.status(), c.command());
            assertEquals(c.err(), r.err(), c.command());
        }
        var list = VmmProcess.run(state, "-c", "list --all --name");
        assertEquals("base\n\n", list.out());
        try (var files = Files.list(state)) {
            assertEquals(List.of("base.qcow2", "base.xml", "data.img"), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".")).sorted().toList());
        }
    }
}
