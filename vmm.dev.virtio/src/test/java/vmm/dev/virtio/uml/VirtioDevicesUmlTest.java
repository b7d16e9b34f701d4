package vmm.dev.virtio.uml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.dev.virtio.device.VirtioBalloon;
import vmm.dev.virtio.device.VirtioConsole;
import vmm.dev.virtio.device.VirtioNet;
import vmm.dev.virtio.net.TestNetworkBackend;
import vmm.dev.virtio.vhost.VhostUserBackend;

/**
 * Linux's virtio_console, virtio_net and virtio_balloon drivers (user-mode Linux) on our
 * vhost-user backends, in one boot. The host and the guest meet through files in the hostfs
 * root when one must wait for the other (the balloon's deflate).
 */
class VirtioDevicesUmlTest {
    static final String MAC = "52:54:00:12:34:56";
    static final int BALLOON_PAGES = 2048;

    @TempDir
    static Path dir;
    static String console;
    static final ByteArrayOutputStream fromGuest = new ByteArrayOutputStream();
    static TestNetworkBackend net;
    static Path pcap;
    static long inflatedPeak;
    static long releasedPeak;
    static int actualPeak;
    static long inflatedAfterDeflate;
    static int actualAfterDeflate;

    static final String INIT = """
            insmod /lib/modules/virtio_console.ko
            insmod /lib/modules/failover.ko
            insmod /lib/modules/net_failover.ko
            insmod /lib/modules/virtio_net.ko
            insmod /lib/modules/virtio_balloon.ko
            for i in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/hvc0 ] && break; sleep 0.2; done
            echo hello-from-guest > /dev/hvc0
            timeout 5 head -n 1 /dev/hvc0 > /tmp/from-host &
            sleep 0.3
            touch /tmp/console-open
            wait
            echo FROM_HOST=$(cat /tmp/from-host)
            echo GUEST_MAC=$(cat /sys/class/net/eth0/address)
            ip link set eth0 up
            ip addr add 10.9.0.1/24 dev eth0
            ping -c 3 -W 1 10.9.0.2 >/dev/null 2>&1
            echo TX_PACKETS=$(cat /sys/class/net/eth0/statistics/tx_packets)
            echo RX_PACKETS=$(cat /sys/class/net/eth0/statistics/rx_packets)
            touch /tmp/guest-ready
            for i in $(seq 1 100); do [ -f /tmp/deflate-done ] && break; sleep 0.1; done
            """;

    @BeforeAll
    static void boot() throws Exception {
        pcap = dir.resolve("frames.pcap");
        net = new TestNetworkBackend(pcap, true);
        VirtioConsole con = new VirtioConsole("con", b -> {
            synchronized (fromGuest) {
                fromGuest.writeBytes(b);
            }
        });
        VirtioNet nic = new VirtioNet("net", VirtioNet.parseMac(MAC), net);
        VirtioBalloon balloon = new VirtioBalloon("balloon", BALLOON_PAGES);
        Path root = dir.resolve("root/tmp");
        Files.createDirectories(root);
        Thread host = Thread.ofPlatform().daemon().start(() -> {
            try {
                waitFor(() -> Files.exists(root.resolve("console-open")));
                con.send("hello-from-host\n".getBytes(StandardCharsets.US_ASCII));
                waitFor(() -> Files.exists(root.resolve("guest-ready")) && balloon.inflatedPages() >= BALLOON_PAGES);
                inflatedPeak = balloon.inflatedPages();
                releasedPeak = balloon.releasedPages();
                actualPeak = balloon.actualPages();
                balloon.setTarget(0);
                waitFor(() -> balloon.inflatedPages() == 0 && balloon.actualPages() == 0);
                inflatedAfterDeflate = balloon.inflatedPages();
                actualAfterDeflate = balloon.actualPages();
                Files.writeString(root.resolve("deflate-done"), "");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (VhostUserBackend c = VhostUserBackend.listen(con, dir.resolve("con.sock"), "con");
             VhostUserBackend n = VhostUserBackend.listen(nic, dir.resolve("net.sock"), "net");
             VhostUserBackend b = VhostUserBackend.listen(balloon, dir.resolve("balloon.sock"), "balloon")) {
            console = UmlGuest.run(dir, INIT, List.of(dir.resolve("con.sock") + ":3", dir.resolve("net.sock") + ":1",
                    dir.resolve("balloon.sock") + ":5"), "256M", 60);
        }
        host.join(5000);
        net.close();
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitFor(Check c) throws Exception {
        for (int i = 0; i < 200 && !c.ok(); i++) {
            Thread.sleep(50);
        }
    }

    @Test
    void consoleCarriesTextBothWays() {
        String got;
        synchronized (fromGuest) {
            got = fromGuest.toString(StandardCharsets.US_ASCII);
        }
        assertTrue(got.contains("hello-from-guest"), "host received: " + got);
        assertEquals("hello-from-host", UmlGuest.value(console, "FROM_HOST"));
    }

    @Test
    void netFramesReachTheBackendAndComeBack() throws Exception {
        assertEquals(MAC, UmlGuest.value(console, "GUEST_MAC"));
        long tx = Long.parseLong(UmlGuest.value(console, "TX_PACKETS"));
        long rx = Long.parseLong(UmlGuest.value(console, "RX_PACKETS"));
        assertTrue(tx >= 1, "guest sent frames");
        assertTrue(rx >= 1, "the looped frames came back: rx " + rx);
        assertTrue(net.framesTransmitted() >= tx, "backend saw " + net.framesTransmitted());
        ByteBuffer p = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, p.getInt(0));
        int len = p.getInt(24 + 8);
        assertTrue(len >= 42, "first frame: " + len + " bytes");
        byte[] src = new byte[6];
        p.get(24 + 16 + 6, src);
        assertEquals(MAC, String.format("%02x:%02x:%02x:%02x:%02x:%02x", src[0], src[1], src[2], src[3], src[4], src[5]));
    }

    @Test
    void balloonInflatesAndDeflates() {
        assertEquals(BALLOON_PAGES, inflatedPeak, "pages in the balloon at the peak");
        assertEquals(BALLOON_PAGES, actualPeak, "the guest's own count");
        assertTrue(releasedPeak >= BALLOON_PAGES, "pages returned to the host: " + releasedPeak);
        assertEquals(0, inflatedAfterDeflate);
        assertEquals(0, actualAfterDeflate);
    }
}
