package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain with a virtio disk in the daemon (the OSGi path: the virtio-blk DeviceType service
 * found by the machine factory through Declarative Services): the virtioblk test guest
 * (vmm.testguests/guests/virtioblk.c) drives the disk as a PCI function and ends by debug-exit;
 * its write is in the image and its console says it read the host's sector.
 */
class VirtioDiskDomainTest {
    @TempDir
    Path state;

    @AfterEach
    void stopDaemon() throws Exception {
        if (Files.exists(state.resolve("run/vmm.sock"))) {
            VmmProcess.run(state, "daemon", "stop");
        }
    }

    private Path buildGuest() throws Exception {
        return TestGuestBuild.fromTestGuests(state, "virtioblk");
    }

    @Test
    void theGuestReadsAndWritesItsVirtioDisk() throws Exception {
        Path elf = buildGuest();
        byte[] image = new byte[4 * 512];
        for (int i = 0; i < 512; i++) {
            image[1024 + i] = (byte) (i * 7 + 3);
        }
        Path disk = state.resolve("disk.img");
        Files.write(disk, image);
        Path xml = state.resolve("vblk.xml");
        Files.writeString(xml, """
                <domain type='qemu'>
                  <name>vblk</name>
                  <memory unit='MiB'>16</memory>
                  <vcpu>1</vcpu>
                  <os><type>hvm</type><kernel>%s</kernel></os>
                  <on_poweroff>destroy</on_poweroff>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='raw'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                  </devices>
                </domain>
                """.formatted(elf, disk));
        var start = VmmProcess.run(state, "-c", "define " + xml, "-c", "start vblk");
        assertEquals(0, start.status(), start.err());
        Path console = state.resolve("logs/vblk.console.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(console) && Files.readString(console).contains("virtio-blk ok"))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        String out = Files.exists(console) ? Files.readString(console) : "(no console log)";
        assertTrue(out.contains("write by MSI-X ok") && out.contains("read by INTx (level) ok")
                && out.contains("virtio-blk ok"), out);
        byte[] sector1 = Arrays.copyOfRange(Files.readAllBytes(disk), 512, 1024);
        byte[] mark = "virtio-blk guest wrote sector 1".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(mark, Arrays.copyOf(sector1, mark.length), "the guest's write in " + disk);
    }
}
