package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virsh's snapshot commands on a shut-off domain: internal qcow2 snapshots taken by the VMM and
 * checked by the real qemu-img/qemu-io (the data written after the snapshot is gone after a
 * revert), the definition of the moment restored with them, raw disks refused as libvirt does.
 */
class DomainSnapshotTest {
    @TempDir
    Path state;
    private Path disk;

    private static final String XML = """
            <domain type='qemu'>
              <name>%s</name>
              <uuid>%s</uuid>
              <memory unit='MiB'>16</memory>
              <vcpu>%d</vcpu>
              <os><type>hvm</type><kernel>/nonexistent</kernel></os>
              <devices>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='%s'/>
                  <source file='%s'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <disk type='file' device='cdrom'>
                  <source file='/srv/install.iso'/>
                  <target dev='hdc' bus='ide'/>
                  <readonly/>
                </disk>
              </devices>
            </domain>
            """;

    @BeforeEach
    void diskAndDaemon() throws Exception {
        disk = state.resolve("base.qcow2");
        tool("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "8M");
        tool("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 64k", disk.toString());
        assertEquals(0, VmmProcess.run(state, "daemon", "start").status());
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

    private Path xml(String name, int vcpus, String format, Path file) throws IOException {
        Path x = state.resolve(name + "-" + vcpus + ".xml");
        // One UUID per name: a redefinition replaces the domain.
        Files.writeString(x, XML.formatted(name, java.util.UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)),
                vcpus, format, file));
        return x;
    }

    @Test
    void createListRevertDelete() throws Exception {
        var r = VmmProcess.run(state, "-c", "define " + xml("base", 1, "qcow2", disk),
                "-c", "snapshot-create-as base before --description 'clean state'", "-c", "snapshot-list base");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().matches("(?s)Domain 'base' defined from .*\n\nDomain snapshot before created\n\n"
                + " Name     Creation Time               State\n"
                + "-----------------------------------------------\n"
                + " before   \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}   shutoff\n\n"), r.out());
        assertTrue(tool("qemu-img", "snapshot", "-l", disk.toString()).contains(" before "), "qcow2 internal snapshot");
        String stored = Files.readString(state.resolve("snapshots/base/before.xml"));
        assertTrue(stored.contains("<description>clean state</description>") && stored.contains("<vcpu>1</vcpu>"), stored);

        // After the snapshot: new data on the disk, and a new definition.
        tool("qemu-io", "-f", "qcow2", "-c", "write -P 0x33 1M 64k", disk.toString());
        var changed = VmmProcess.run(state, "-c", "define " + xml("base", 3, "qcow2", disk), "-c", "snapshot-revert base before",
                "-c", "dominfo base");
        assertEquals(0, changed.status(), changed.err());
        assertTrue(changed.out().contains("\n\n\nId:             -\n"), "revert prints nothing, as virsh: " + changed.out());
        assertTrue(changed.out().contains("CPU(s):         1\n"), "the snapshot's definition is back: " + changed.out());
        tool("qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 1M 64k", disk.toString());

        var del = VmmProcess.run(state, "-c", "snapshot-delete base before", "-c", "snapshot-list base");
        assertEquals(0, del.status(), del.err());
        assertEquals("Domain snapshot before deleted\n\n Name   Creation Time   State\n-------------------------------\n\n",
                del.out());
        assertFalse(tool("qemu-img", "snapshot", "-l", disk.toString()).contains("before"));
        assertFalse(Files.exists(state.resolve("snapshots/base/before.xml")));
    }

    @Test
    void refusals() throws Exception {
        Path raw = state.resolve("raw.img");
        tool("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "1M");
        var r = VmmProcess.run(state, "-c", "define " + xml("base", 1, "qcow2", disk),
                "-c", "define " + xml("flat", 1, "raw", raw), "-c", "snapshot-create-as base one");
        assertEquals(0, r.status(), r.err());
        record Case(String command, String err) {
        }
        for (Case c : java.util.List.of(
                new Case("snapshot-create-as flat s1",
                        "error: unsupported configuration: internal snapshot for disk vda unsupported for storage type raw\n"),
                new Case("snapshot-create-as base one", "error: operation failed: domain snapshot 'one' already exists\n"),
                new Case("snapshot-revert base nope",
                        "error: Domain snapshot not found: no domain snapshot with matching name 'nope'\n"),
                new Case("snapshot-delete base ../x",
                        "error: Domain snapshot not found: no domain snapshot with matching name '../x'\n"),
                new Case("snapshot-list nope", "error: failed to get domain 'nope'\n"),
                new Case("undefine base", "error: Failed to undefine domain 'base'\n"
                        + "error: Requested operation is not valid: cannot delete inactive domain with 1 snapshots\n"))) {
            var e = VmmProcess.run(state, "-c", c.command());
            assertEquals(1, e.status(), c.command());
            assertEquals(c.err(), e.err(), c.command());
        }
        assertFalse(Files.exists(state.resolve("snapshots/flat")), "nothing stored for a refused snapshot");
        var undefine = VmmProcess.run(state, "-c", "undefine base --snapshots-metadata");
        assertEquals("Domain 'base' has been undefined\n\n", undefine.out(), undefine.err());
        assertFalse(Files.exists(state.resolve("snapshots/base/one.xml")));
    }
}
