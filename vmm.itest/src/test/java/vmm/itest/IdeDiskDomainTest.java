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
 * A domain with {@code <target dev='hda' bus='ide'/>} in the daemon (the OSGi path: the
 * {@code ide} DeviceType service of vmm.dev.ide found through Declarative Services): the ide
 * test guest (vmm.testguests/guests/ide.c) drives the disk at the legacy ports; its write is in
 * the image and its console says it read the host's sector. A second, read-only IDE disk
 * (hdc) is plugged in on the secondary channel beside it.
 */
class IdeDiskDomainTest {
    @TempDir
    Path state;

    @AfterEach
    void stopDaemon() throws Exception {
        if (Files.exists(state.resolve("run/vmm.sock"))) {
            VmmProcess.run(state, "daemon", "stop");
        }
    }

    private Path buildGuest() throws Exception {
        return TestGuestBuild.fromTestGuests(state, "ide");
    }

    @Test
    void theGuestReadsAndWritesItsIdeDisk() throws Exception {
        Path elf = buildGuest();
        byte[] image = new byte[4 * 512];
        for (int i = 0; i < 512; i++) {
            image[1024 + i] = (byte) (i * 7 + 3);
        }
        Path disk = state.resolve("disk.img");
        Files.write(disk, image);
        Path spare = state.resolve("spare.img");
        Files.write(spare, new byte[8 * 512]);
        Path xml = state.resolve("ide.xml");
        Files.writeString(xml, """
                <domain type='qemu'>
                  <name>idedom</name>
                  <memory unit='MiB'>16</memory>
                  <vcpu>1</vcpu>
                  <os><type>hvm</type><kernel>%s</kernel></os>
                  <on_poweroff>destroy</on_poweroff>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='raw'/>
                      <source file='%s'/>
                      <target dev='hda' bus='ide'/>
                    </disk>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='raw'/>
                      <source file='%s'/>
                      <target dev='hdc' bus='ide'/>
                      <readonly/>
                    </disk>
                  </devices>
                </domain>
                """.formatted(elf, disk, spare));
        var start = VmmProcess.run(state, "-c", "define " + xml, "-c", "start idedom");
        assertEquals(0, start.status(), start.err());
        Path console = state.resolve("logs/idedom.console.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(console) && Files.readString(console).contains("ide ok"))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        String out = Files.exists(console) ? Files.readString(console) : "(no console log)";
        assertTrue(out.contains("model VMM HARDDISK, lba48 1, sectors 4") && out.contains("read ok")
                && out.contains("write ok") && out.contains("flush ok") && out.contains("ide ok"), out);
        byte[] sector1 = Arrays.copyOfRange(Files.readAllBytes(disk), 512, 1024);
        byte[] mark = "IDE guest wrote sector 1".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(mark, Arrays.copyOf(sector1, mark.length), "the guest's write in " + disk);
    }
}
