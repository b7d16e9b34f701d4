package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virsh save and restore in a real shell session (the launcher as a process, the domain in
 * its daemon) on a real guest: the gcc-built counter guest (vmm.testguests/guests/counter.c)
 * prints "count N" ten times a second from PIT interrupts. It is saved half-way, its counter
 * stands still while it is shut off (saved), bad files are refused with the domain and its
 * definition untouched, and after restore (running, and --paused then resume) the console
 * log goes on from the count where it stopped: no count repeated, none lost. Outputs are
 * compared with virsh's exact text.
 */
class DomainSaveRestoreTest {
    private static final String UUID = "6b0c0f8e-3f8a-4d7e-9a51-2c1f5e0d7a11";
    private static final Pattern COUNT = Pattern.compile("count (\\d+)\n");
    private static final Pattern LINE_END_NUMBER = Pattern.compile("(\\d+)\n");

    @TempDir
    Path state;

    @AfterEach
    void stopDaemon() throws Exception {
        if (Files.exists(state.resolve("run/vmm.sock"))) {
            VmmProcess.run(state, "daemon", "stop");
        }
    }

    private Path buildCounter() throws IOException, InterruptedException {
        return TestGuestBuild.fromTestGuests(state, "counter");
    }

    private String console() throws IOException {
        Path log = state.resolve("logs/counter.console.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1).replace("\r", "") : "";
    }

    /** The counts in the console log so far, in order. */
    private List<Integer> counts() throws IOException {
        List<Integer> counts = new ArrayList<>();
        Matcher m = COUNT.matcher(console());
        while (m.find()) {
            counts.add(Integer.parseInt(m.group(1)));
        }
        return counts;
    }

    private int awaitCount(int atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<Integer> counts = counts();
        while ((counts.isEmpty() || counts.getLast() < atLeast) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            counts = counts();
        }
        assertTrue(!counts.isEmpty() && counts.getLast() >= atLeast, "no count " + atLeast + " in:\n" + console());
        return counts.getLast();
    }

    /** Every count from 1 on, once, in order: the guest never started over, lost or repeated one. */
    private void assertOneUnbrokenRun() throws IOException {
        List<Integer> counts = counts();
        for (int i = 0; i < counts.size(); i++) {
            assertEquals(i + 1, counts.get(i), "count " + (i + 1) + " expected; the console:\n" + console());
        }
        assertEquals(1, console().split("counter up\n", -1).length - 1, "the guest started once:\n" + console());
    }

    private VmmProcess.Result ok(String... commands) throws Exception {
        List<String> args = new ArrayList<>();
        for (String c : commands) {
            args.add("-c");
            args.add(c);
        }
        var r = VmmProcess.run(state, args.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        return r;
    }

    @Test
    void aSavedDomainIsRestoredWhereItWasAndItsCounterGoesOn() throws Exception {
        Path elf = buildCounter();
        Path xml = state.resolve("counter.xml");
        Files.writeString(xml, """
                <domain type='qemu'>
                  <name>counter</name>
                  <uuid>%s</uuid>
                  <memory unit='MiB'>16</memory>
                  <vcpu>1</vcpu>
                  <os>
                    <type>hvm</type>
                    <kernel>%s</kernel>
                  </os>
                </domain>
                """.formatted(UUID, elf));
        var started = ok("define " + xml, "list --all", "start counter", "domstate --reason counter");
        assertEquals("Domain 'counter' defined from " + xml + "\n\n"
                + " Id   Name      State\n--------------------------\n -    counter   shut off\n\n"
                + "Domain 'counter' started\n\nrunning (booted)\n\n", started.out());
        var info = ok("dominfo counter");
        assertTrue(info.out().matches("""
                Id:             1
                Name:           counter
                UUID:           %s
                OS Type:        hvm
                State:          running
                CPU\\(s\\):         1
                (CPU time:       [0-9]+\\.[0-9]s
                )?Max memory:     16384 KiB
                Used memory:    16384 KiB
                Persistent:     yes
                Autostart:      disable
                Managed save:   no
                Security model: none
                Security DOI:   0

                """.formatted(UUID)), info.out());
        awaitCount(5);

        Path saved = state.resolve("counter.save");
        var save = ok("save counter " + saved, "domstate --reason counter", "list --all");
        assertEquals("\nDomain 'counter' saved to " + saved + "\n\n" + "shut off (saved)\n\n"
                + " Id   Name      State\n--------------------------\n -    counter   shut off\n\n", save.out());
        // Saved means stopped: the counter stands still.
        List<Integer> atSave = counts();
        Thread.sleep(700);
        assertEquals(atSave, counts());
        assertOneUnbrokenRun();

        // Bad files: a clear error, and nothing changes (the domain, its definition, the save file).
        byte[] definition = Files.readAllBytes(state.resolve("domains/counter.xml"));
        byte[] all = Files.readAllBytes(saved);
        Path cut = state.resolve("cut.save");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 1000));
        Path foreign = state.resolve("foreign.save");
        Files.writeString(foreign, "not a save file at all\n");
        var bad = VmmProcess.run(state, "-c", "restore " + cut);
        assertEquals(1, bad.status());
        assertEquals("error: Failed to restore domain from " + cut + "\n"
                + "error: cannot restore the machine: machine state is truncated (it ends in section RAM)\n", bad.err());
        var alien = VmmProcess.run(state, "-c", "restore " + foreign);
        assertEquals("error: Failed to restore domain from " + foreign + "\n"
                + "error: " + foreign + ": not a saved domain (it does not start with VMMDSAVE)\n", alien.err());
        var none = VmmProcess.run(state, "-c", "restore " + state.resolve("missing.save"));
        assertEquals("error: Failed to restore domain from " + state.resolve("missing.save") + "\n"
                + "error: cannot read " + state.resolve("missing.save") + ": No such file or directory\n", none.err());
        assertEquals("shut off (saved)\n\n", ok("domstate --reason counter").out());
        assertArrayEquals(definition, Files.readAllBytes(state.resolve("domains/counter.xml")));
        assertArrayEquals(all, Files.readAllBytes(saved));
        assertEquals(atSave, counts());

        var restore = ok("restore " + saved, "domstate --reason counter", "domid counter");
        assertEquals("Domain restored from " + saved + "\n\nrunning (restored)\n\n2\n\n", restore.out());
        awaitCount(atSave.getLast() + 5);
        assertOneUnbrokenRun();
        assertTrue(ok("dumpxml counter").out().startsWith("<domain type='qemu' id='2'>\n  <name>counter</name>\n"));
        var busy = VmmProcess.run(state, "-c", "restore " + saved);
        assertEquals("error: Failed to restore domain from " + saved + "\n"
                + "error: Requested operation is not valid: domain 'counter' is already active\n", busy.err());

        // Saved again from a paused domain, restored paused; resume lets it count on.
        var again = ok("suspend counter", "save counter " + saved + " --running", "restore " + saved + " --paused",
                "domstate --reason counter");
        assertEquals("Domain 'counter' suspended\n\n\nDomain 'counter' saved to " + saved + "\n\n"
                + "Domain restored from " + saved + "\n\npaused (user)\n\n", again.out());
        List<Integer> paused = counts();
        Thread.sleep(700);
        assertEquals(paused, counts());
        assertEquals("Domain 'counter' resumed\n\n", ok("resume counter").out());
        awaitCount(paused.getLast() + 5);
        assertOneUnbrokenRun();

        // libvirt's rule: a save of a domain that is no longer defined restores as a transient one.
        var transientRun = ok("save counter " + saved, "undefine counter", "restore " + saved, "list --all",
                "dominfo counter");
        assertTrue(transientRun.out().startsWith("\nDomain 'counter' saved to " + saved + "\n\n"
                + "Domain 'counter' has been undefined\n\nDomain restored from " + saved + "\n\n"
                + " Id   Name      State\n-------------------------\n 4    counter   running\n\n"), transientRun.out());
        assertTrue(transientRun.out().contains("Persistent:     no\n"), transientRun.out());
        awaitCount(counts().getLast() + 3);
        assertOneUnbrokenRun();
        var gone = VmmProcess.run(state, "-c", "destroy counter", "-c", "list --all");
        assertEquals("Domain 'counter' destroyed\n\n Id   Name   State\n--------------------\n\n", gone.out(), gone.err());
    }

    private String qemuImg(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "qemu-img failed:\n" + out);
        return out;
    }

    /**
     * libvirt's internal snapshot of a running domain: the VM state with the qcow2 disk's
     * internal snapshot (checked with qemu-img), the guest going on with the same id; revert
     * brings the guest back to the count it had when the snapshot was taken.
     */
    @Test
    void aRunningDomainsSnapshotHoldsItsStateAndRevertGoesBackThere() throws Exception {
        Path elf = buildCounter();
        Path disk = state.resolve("disk.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", disk.toString(), "16M");
        Path xml = state.resolve("counter.xml");
        Files.writeString(xml, """
                <domain type='qemu'>
                  <name>counter</name>
                  <uuid>%s</uuid>
                  <memory unit='MiB'>16</memory>
                  <vcpu>1</vcpu>
                  <os>
                    <type>hvm</type>
                    <kernel>%s</kernel>
                  </os>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='qcow2'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                  </devices>
                </domain>
                """.formatted(UUID, elf, disk));
        ok("define " + xml, "start counter");
        awaitCount(3);
        ok("suspend counter");
        int at = counts().getLast();
        var snap = ok("snapshot-create-as counter snap1", "domstate --reason counter", "domid counter");
        assertEquals("Domain snapshot snap1 created\n\npaused (user)\n\n1\n\n", snap.out());
        assertTrue(Files.exists(state.resolve("snapshots/counter/snap1.save")));
        assertTrue(ok("snapshot-list counter").out().matches("(?s) Name +Creation Time +State\n-+\n snap1 .* paused\n\n"),
                ok("snapshot-list counter").out());
        assertTrue(qemuImg("snapshot", "-l", disk.toString()).contains("snap1"));
        assertEquals(at, counts().getLast(), "paused through the snapshot");

        ok("resume counter");
        awaitCount(at + 5);
        assertOneUnbrokenRun();

        ok("suspend counter");
        int mark = console().length();
        var revert = ok("snapshot-revert counter snap1", "domstate --reason counter", "resume counter");
        assertEquals("\npaused (from snapshot)\n\nDomain 'counter' resumed\n\n", revert.out());
        // The log goes on after the counts of before the revert: wait for three new ones.
        List<Integer> after = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (after.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            after.clear();
            // The snapshot may have caught the guest half-way through a line ("cou" before it,
            // "nt 6" after the revert): any line's trailing number counts here.
            Matcher m = LINE_END_NUMBER.matcher(console().substring(mark));
            while (m.find()) {
                after.add(Integer.parseInt(m.group(1)));
            }
        }
        assertTrue(after.size() >= 3, console());
        for (int i = 0; i < after.size(); i++) {
            assertEquals(at + 1 + i, after.get(i), "after the revert the count goes on from the snapshot's:\n"
                    + console().substring(mark));
        }

        var gone = ok("destroy counter", "snapshot-delete counter snap1");
        assertEquals("Domain 'counter' destroyed\n\nDomain snapshot snap1 deleted\n\n", gone.out());
        assertTrue(!Files.exists(state.resolve("snapshots/counter/snap1.save")));
        assertTrue(!qemuImg("snapshot", "-l", disk.toString()).contains("snap1"));
        assertTrue(qemuImg("check", disk.toString()).contains("No errors were found"));
    }
}
