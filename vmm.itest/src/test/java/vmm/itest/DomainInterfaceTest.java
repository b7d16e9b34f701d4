package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain's {@code <interface>} as the guest's NIC, through the whole path: the domain XML in
 * the daemon, the machine, a virtio-net PCI function with the XML's MAC, the network backend the
 * interface names. The guest (virtionet.c, gcc-built, a polled virtio driver) reads the MAC,
 * sends an ARP request and must get the test peer's reply; the pcap backend records what it
 * sent. Without a backend for the interface's type, {@code start} fails naming the interface.
 */
class DomainInterfaceTest {
    private static final String MAC = "52:54:00:12:34:99";

    @TempDir
    Path state;

    @AfterEach
    void stopDaemon() throws Exception {
        if (Files.exists(state.resolve("run/vmm.sock"))) {
            VmmProcess.run(state, "daemon", "stop");
        }
    }

    private Path define(String name, Path elf, String iface) throws Exception {
        Path xml = state.resolve(name + ".xml");
        Files.writeString(xml, """
                <domain type='qemu'>
                  <name>%s</name>
                  <memory unit='MiB'>16</memory>
                  <os><type>hvm</type><kernel>%s</kernel></os>
                  <on_poweroff>destroy</on_poweroff>
                  <devices>%s</devices>
                </domain>
                """.formatted(name, elf, iface));
        var r = VmmProcess.run(state, "-c", "define " + xml);
        assertEquals(0, r.status(), r.err());
        return xml;
    }

    @Test
    void theGuestSeesTheMacAndTalksToTheBackendTheInterfaceNames() throws Exception {
        Path elf = RunningDomainTest.buildGuest(state, "virtionet");
        Path pcap = state.resolve("net0.pcap");
        define("nic", elf, "<interface type='user'><mac address='" + MAC + "'/><model type='virtio'/>"
                + "<backend type='pcap' file='" + pcap + "' peer='10.0.2.2'/></interface>");

        var iflist = VmmProcess.run(state, "-c", "domiflist nic");
        assertEquals(0, iflist.status(), iflist.err());
        assertTrue(iflist.out().lines().anyMatch(l -> l.matches("\\s*-\\s+user\\s+-\\s+virtio\\s+" + MAC + "\\s*")),
                iflist.out());

        var start = VmmProcess.run(state, "-c", "start nic");
        assertEquals(0, start.status(), start.err());
        Path console = state.resolve("logs/nic.console.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String log = "";
        while (!log.contains("virtio-net ok") && !log.contains("FAIL") && System.nanoTime() < deadline) {
            Thread.sleep(200);
            log = Files.exists(console) ? Files.readString(console).replace("\r\n", "\n") : "";
        }
        assertTrue(log.contains("mac " + MAC + "\n"), log);
        assertTrue(log.contains("arp reply: 10.0.2.2 is at 52:55:0a:00:02:02\nvirtio-net ok\n"), log);

        // The pcap backend recorded the guest's ARP request, sent from the XML's MAC.
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(0));
        int length = b.getInt(24 + 8);
        byte[] frame = new byte[length];
        b.get(24 + 16, frame);
        HexFormat hex = HexFormat.ofDelimiter(":");
        assertEquals("ff:ff:ff:ff:ff:ff", hex.formatHex(frame, 0, 6));
        assertEquals(MAC, hex.formatHex(frame, 6, 12));
        assertEquals("08:06", hex.formatHex(frame, 12, 14));
    }

    @Test
    void withoutABackendForTheInterfaceTypeStartFailsNamingIt() throws Exception {
        Path elf = RunningDomainTest.buildIdleGuest(state);
        define("lan", elf, "<interface type='network'><source network='default'/><mac address='" + MAC + "'/></interface>");
        var start = VmmProcess.run(state, "-c", "start lan");
        assertEquals(1, start.status());
        assertEquals("error: Failed to start domain 'lan'\nerror: unsupported configuration: /domain/devices/interface[1] (type 'network', MAC " + MAC
                + "): no network backend 'network' is installed; install the bundle that provides it (vmm.net.nat,"
                + " e.g. into STATE/deploy/), or attach the interface to a test backend with <backend type='loopback'/>"
                + " (or type='pcap' file='PATH') inside it\n", start.err());
        var state1 = VmmProcess.run(state, "-c", "domstate lan");
        assertEquals("shut off\n\n", state1.out());

        define("e1k", elf, "<interface type='user'><model type='e1000'/></interface>");
        var e1000 = VmmProcess.run(state, "-c", "start e1k");
        assertEquals(1, e1000.status());
        assertTrue(e1000.err().contains("/domain/devices/interface[1]/model: model type 'e1000' is not supported"),
                e1000.err());
    }
}
