package vmm.dev.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pretend host answers ARP and ping as a real one would: the replies below are checked
 * field by field, checksums included, and frames for others or malformed ones get no answer.
 */
class EchoPeerTest {
    static final byte[] GUEST_MAC = HexFormat.of().parseHex("525400abcdef");
    static final byte[] GUEST_IP = {10, 0, 2, 15};
    static final byte[] PEER_IP = {10, 0, 2, 2};

    @TempDir
    Path dir;

    static byte[] arpRequest(byte[] target) {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(HexFormat.of().parseHex("ffffffffffff")).put(GUEST_MAC).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(GUEST_MAC).put(GUEST_IP).put(new byte[6]).put(target);
        return b.array();
    }

    static byte[] echoRequest(byte[] to, byte[] payload) {
        int total = 20 + 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(14 + total);
        b.put(EchoPeer.MAC).put(GUEST_MAC).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) 7).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 1).putShort((short) 0).put(GUEST_IP).put(to);
        byte[] f = b.array();
        int sum = EchoPeer.checksum(f, 14, 20);
        f[24] = (byte) (sum >> 8);
        f[25] = (byte) sum;
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) 0x1234).putShort((short) 1).put(payload);
        sum = EchoPeer.checksum(f, 34, 8 + payload.length);
        f[36] = (byte) (sum >> 8);
        f[37] = (byte) sum;
        return f;
    }

    @Test
    void answersArpForItsAddressOnly() {
        EchoPeer peer = EchoPeer.parse("10.0.2.2");
        byte[] r = bytes(peer.answer(ByteBuffer.wrap(arpRequest(PEER_IP))));
        assertArrayEquals(GUEST_MAC, slice(r, 0, 6), "to the asker");
        assertArrayEquals(EchoPeer.MAC, slice(r, 6, 6));
        assertEquals(2, r[21], "an ARP reply");
        assertArrayEquals(EchoPeer.MAC, slice(r, 22, 6), "sender hardware address");
        assertArrayEquals(PEER_IP, slice(r, 28, 4));
        assertArrayEquals(GUEST_MAC, slice(r, 32, 6), "target: the asker");
        assertArrayEquals(GUEST_IP, slice(r, 38, 4));
        assertNull(peer.answer(ByteBuffer.wrap(arpRequest(new byte[] {10, 0, 2, 3}))));
        assertEquals(1, peer.answered());
    }

    @Test
    void answersPingWithValidChecksums() {
        EchoPeer peer = EchoPeer.parse("10.0.2.2");
        byte[] payload = "abcdefghijklmnopqrstuvwxyz0".getBytes();  // odd length
        byte[] r = bytes(peer.answer(ByteBuffer.wrap(echoRequest(PEER_IP, payload))));
        assertArrayEquals(GUEST_MAC, slice(r, 0, 6));
        assertArrayEquals(PEER_IP, slice(r, 26, 4), "source");
        assertArrayEquals(GUEST_IP, slice(r, 30, 4), "destination");
        assertEquals(0, EchoPeer.checksum(r, 14, 20), "IP header checksum");
        assertEquals(0, r[34], "echo reply");
        assertEquals(0, EchoPeer.checksum(r, 34, 8 + payload.length), "ICMP checksum");
        assertArrayEquals(payload, slice(r, 42, payload.length));
        assertArrayEquals(slice(echoRequest(PEER_IP, payload), 38, 4), slice(r, 38, 4), "id and sequence kept");
    }

    @Test
    void ignoresOtherAndBrokenFrames() {
        EchoPeer peer = EchoPeer.parse("10.0.2.2");
        assertNull(peer.answer(ByteBuffer.wrap(echoRequest(new byte[] {10, 0, 2, 9}, new byte[8]))));
        byte[] lying = echoRequest(PEER_IP, new byte[8]);
        lying[17] = (byte) 200;  // total length past the frame
        assertNull(peer.answer(ByteBuffer.wrap(lying)));
        assertNull(peer.answer(ByteBuffer.wrap(new byte[5])));
        assertNull(peer.answer(ByteBuffer.wrap(slice(arpRequest(PEER_IP), 0, 30))));
        assertEquals(0, peer.answered());
        assertThrows(IllegalArgumentException.class, () -> EchoPeer.parse("example.org"));
        assertThrows(IllegalArgumentException.class, () -> EchoPeer.parse("10.0.2.300"));
    }

    @Test
    void backendDeliversTheAnswersAndRecordsWhatTheGuestSent() throws Exception {
        Path pcap = dir.resolve("f.pcap");
        List<byte[]> delivered = new ArrayList<>();
        try (TestNetworkBackend backend = new TestNetworkBackend(pcap, false, EchoPeer.parse("10.0.2.2"))) {
            backend.attach(f -> delivered.add(bytes(f)));
            backend.transmit(ByteBuffer.wrap(arpRequest(PEER_IP)));
            backend.transmit(ByteBuffer.wrap(arpRequest(GUEST_IP)));
            assertEquals(2, backend.framesTransmitted());
        }
        assertEquals(1, delivered.size(), "one answer, no loop");
        assertEquals(24 + 2 * (16 + 42), Files.size(pcap));
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    static byte[] slice(byte[] b, int from, int len) {
        byte[] a = new byte[len];
        System.arraycopy(b, from, a, 0, len);
        return a;
    }
}
