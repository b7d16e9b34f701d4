package vmm.dev.virtio.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pretend host on the guest's wire for tests: it owns one IPv4 address, answers ARP requests
 * for it and ICMP echo requests sent to it, and ignores every other frame. Enough for a guest's
 * own {@code ping} to prove that frames go out and correct ones come back.
 */
public final class EchoPeer {
    static final int ETH = 14;
    static final byte[] MAC = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

    private final byte[] ip;
    private final AtomicLong answered = new AtomicLong();

    /** @throws IllegalArgumentException when {@code address} is not a dotted IPv4 address */
    public static EchoPeer parse(String address) {
        String[] parts = address.split("\\.", -1);
        byte[] ip = new byte[4];
        boolean valid = parts.length == 4;
        for (int i = 0; valid && i < 4; i++) {
            valid = parts[i].matches("\\d{1,3}") && Integer.parseInt(parts[i]) <= 255;
            ip[i] = valid ? (byte) Integer.parseInt(parts[i]) : 0;
        }
        if (!valid) {
            throw new IllegalArgumentException("peer=" + address + " is not an IPv4 address");
        }
        try {
            return new EchoPeer((Inet4Address) InetAddress.getByAddress(ip));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("peer=" + address + ": " + e.getMessage(), e);
        }
    }

    public EchoPeer(Inet4Address address) {
        this.ip = address.getAddress();
    }

    /** Frames answered so far (ARP replies and echo replies). */
    public long answered() {
        return answered.get();
    }

    /** The answer to {@code frame}, or null when the peer has nothing to say. */
    public ByteBuffer answer(ByteBuffer frame) {
        ByteBuffer f = frame.duplicate();
        byte[] b = new byte[f.remaining()];
        f.get(b);
        byte[] reply = b.length >= ETH ? switch (u16(b, 12)) {
            case 0x0806 -> arp(b);
            case 0x0800 -> icmpEcho(b);
            default -> null;
        } : null;
        if (reply == null) {
            return null;
        }
        answered.incrementAndGet();
        return ByteBuffer.wrap(reply);
    }

    private byte[] arp(byte[] in) {
        // Ethernet/IPv4 request (htype 1, ptype 0x0800, hlen 6, plen 4, oper 1) for our address.
        if (in.length < ETH + 28 || u16(in, ETH) != 1 || u16(in, ETH + 2) != 0x0800 || in[ETH + 4] != 6
                || in[ETH + 5] != 4 || u16(in, ETH + 6) != 1 || !same(in, ETH + 24, ip)) {
            return null;
        }
        byte[] out = new byte[ETH + 28];
        System.arraycopy(in, ETH + 8, out, 0, 6);          // to the asker
        System.arraycopy(MAC, 0, out, 6, 6);
        System.arraycopy(in, 12, out, 12, 2);
        System.arraycopy(in, ETH, out, ETH, 6);            // htype, ptype, hlen, plen
        out[ETH + 7] = 2;                                  // reply
        System.arraycopy(MAC, 0, out, ETH + 8, 6);
        System.arraycopy(ip, 0, out, ETH + 14, 4);
        System.arraycopy(in, ETH + 8, out, ETH + 18, 10);  // the asker's MAC and address
        return out;
    }

    private byte[] icmpEcho(byte[] in) {
        if (in.length < ETH + 20) {
            return null;
        }
        int ihl = (in[ETH] & 0x0f) * 4;
        int total = u16(in, ETH + 2);
        if ((in[ETH] & 0xf0) != 0x40 || ihl < 20 || total < ihl + 8 || ETH + total > in.length
                || in[ETH + 9] != 1 || !same(in, ETH + 16, ip) || (u16(in, ETH + 6) & 0x3fff) != 0
                || in[ETH + ihl] != 8) {
            return null;  // not an unfragmented ICMP echo request to us
        }
        byte[] out = new byte[ETH + total];
        System.arraycopy(in, 6, out, 0, 6);
        System.arraycopy(MAC, 0, out, 6, 6);
        System.arraycopy(in, 12, out, 12, ETH - 12 + total);
        System.arraycopy(in, ETH + 16, out, ETH + 12, 4);  // source <- destination
        System.arraycopy(in, ETH + 12, out, ETH + 16, 4);
        out[ETH + 8] = 64;                                 // TTL
        put16(out, ETH + 10, 0);
        put16(out, ETH + 10, checksum(out, ETH, ihl));
        int icmp = ETH + ihl;
        out[icmp] = 0;                                     // echo reply
        put16(out, icmp + 2, 0);
        put16(out, icmp + 2, checksum(out, icmp, total - ihl));
        return out;
    }

    static int checksum(byte[] b, int from, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += u16(b, from + i);
        }
        if ((len & 1) != 0) {
            sum += (b[from + len - 1] & 0xff) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static boolean same(byte[] b, int at, byte[] what) {
        for (int i = 0; i < what.length; i++) {
            if (b[at + i] != what[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >> 8);
        b[at + 1] = (byte) v;
    }
}
