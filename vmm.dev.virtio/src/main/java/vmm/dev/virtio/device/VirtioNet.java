package vmm.dev.virtio.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.net.FrameSink;
import vmm.core.net.NetworkBackend;
import vmm.dev.virtio.queue.DescriptorChain;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtqueueException;

/**
 * virtio-net (virtio 1.2, 5.1), one queue pair: a MAC address, link status and mergeable
 * receive buffers. No checksum or segmentation offloads are offered: the backends carry plain
 * Ethernet frames, so the guest computes its own checksums and segments. Frames go to and come
 * from a {@link NetworkBackend} of the core's SPI.
 */
public final class VirtioNet implements VirtioDevice, FrameSink {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioNet.class);
    public static final int ID = 1;
    public static final long F_MAC = 1L << 5;
    public static final long F_MRG_RXBUF = 1L << 15;
    public static final long F_STATUS = 1L << 16;
    static final int RX = 0;
    static final int TX = 1;
    /** virtio_net_hdr_v1: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
    static final int HEADER = 12;
    static final int MAX_FRAME = 65536;
    /** Frames held while the guest has no receive buffer posted. */
    static final int MAX_PENDING = 256;

    private final String name;
    private final byte[] mac;
    private final NetworkBackend backend;
    private final RateLimitedLog guestErrors = new RateLimitedLog(LOG);
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private volatile DeviceHost host;

    public VirtioNet(String name, byte[] mac, NetworkBackend backend) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("virtio-net: a MAC address has 6 bytes");
        }
        this.name = name;
        this.mac = mac.clone();
        this.backend = backend;
        backend.attach(this);
    }

    /** Parses {@code 52:54:00:12:34:56}. */
    public static byte[] parseMac(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC address '" + text + "' is not six hex bytes separated by ':'");
        }
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            m[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return m;
    }

    @Override
    public int deviceId() {
        return ID;
    }

    @Override
    public long features() {
        return F_MAC | F_MRG_RXBUF | F_STATUS;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public byte[] config() {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, mac);
        b.putShort(6, (short) 1);   // VIRTIO_NET_S_LINK_UP
        b.putShort(8, (short) 1);   // max_virtqueue_pairs
        return b.array();
    }

    @Override
    public void start(DeviceHost host) {
        this.host = host;
    }

    @Override
    public void queueNotify(Virtqueue queue) {
        try {
            if (queue.index() == TX) {
                transmit(queue);
            } else if (queue.index() == RX) {
                synchronized (pending) {
                    flushPending(queue);
                }
            }
        } catch (VirtqueueException e) {
            fail(e);
        }
    }

    private void fail(VirtqueueException e) {
        guestErrors.warn("{}: {}", name, e.getMessage());
        DeviceHost h = host;
        if (h != null) {
            h.needsReset(e.getMessage());
        }
    }

    private void transmit(Virtqueue q) throws VirtqueueException {
        do {
            DescriptorChain c;
            while ((c = q.pop()) != null) {
                long len = c.readableLength() - HEADER;
                if (len <= 0 || len > MAX_FRAME) {
                    guestErrors.warn("{}: transmit buffer of {} bytes dropped", name, c.readableLength());
                } else {
                    byte[] frame = new byte[(int) len];
                    c.copyFromReadable(HEADER, frame, 0, frame.length);
                    try {
                        backend.transmit(ByteBuffer.wrap(frame));
                    } catch (IOException e) {
                        guestErrors.warn("{}: backend dropped a frame: {}", name, e.getMessage());
                    }
                }
                q.push(c.head(), 0);
            }
            q.notifyIfNeeded();
        } while (q.hasPending());
    }

    /** A frame for the guest, from the backend's thread. */
    @Override
    public boolean deliver(ByteBuffer frame) {
        byte[] copy = new byte[frame.remaining()];
        frame.get(copy);
        synchronized (pending) {
            if (pending.size() >= MAX_PENDING) {
                return false;
            }
            pending.add(copy);
            DeviceHost h = host;
            Virtqueue rx = h == null ? null : h.queue(RX);
            if (rx != null) {
                try {
                    flushPending(rx);
                } catch (VirtqueueException e) {
                    fail(e);
                }
            }
            return true;
        }
    }

    private void flushPending(Virtqueue rx) throws VirtqueueException {
        boolean any = false;
        while (!pending.isEmpty()) {
            if (!receive(rx, pending.peek())) {
                break;
            }
            pending.poll();
            any = true;
        }
        if (any) {
            rx.notifyIfNeeded();
        }
    }

    /** Copies one frame into as many receive buffers as it needs; false when there are too few. */
    private boolean receive(Virtqueue rx, byte[] frame) throws VirtqueueException {
        boolean mergeable = (host.features() & F_MRG_RXBUF) != 0;
        int total = HEADER + frame.length;
        List<DescriptorChain> used = new ArrayList<>();
        long room = 0;
        while (room < total) {
            DescriptorChain c = rx.pop();
            if (c == null) {
                rx.unpop(used.size());
                return false;
            }
            used.add(c);
            room += c.writableLength();
            if (!mergeable && room < total) {
                guestErrors.warn("{}: receive buffer of {} bytes too small for a {}-byte frame; dropped", name,
                        c.writableLength(), frame.length);
                rx.push(c.head(), 0);
                return true;
            }
        }
        byte[] header = new byte[HEADER];
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putShort(10, (short) used.size());
        byte[] all = new byte[total];
        System.arraycopy(header, 0, all, 0, HEADER);
        System.arraycopy(frame, 0, all, HEADER, frame.length);
        int off = 0;
        for (DescriptorChain c : used) {
            int n = (int) Math.min(c.writableLength(), total - off);
            c.copyToWritable(0, all, off, n);
            off += n;
            rx.push(c.head(), n);
        }
        return true;
    }

    @Override
    public void reset() {
        host = null;
        synchronized (pending) {
            pending.clear();
        }
    }

    @Override
    public void close() {
        try {
            backend.close();
        } catch (IOException e) {
            LOG.warn("{}: closing the network backend: {}", name, e.getMessage());
        }
    }
}
