package vmm.dev.virtio.net;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import vmm.core.net.FrameSink;
import vmm.core.net.NetworkBackend;

/**
 * A backend for tests and diagnostics: records every frame the guest sends in a pcap file
 * (when given one; Wireshark and tcpdump read it) and, when {@code loop} is set, hands each
 * frame straight back to the guest. With an {@link EchoPeer} the wire also has a host that
 * answers ARP and ping for its address.
 */
public final class TestNetworkBackend implements NetworkBackend {
    private final boolean loop;
    private final EchoPeer peer;
    private final OutputStream pcap;
    private final AtomicLong frames = new AtomicLong();
    private volatile FrameSink sink;

    public TestNetworkBackend(Path pcapFile, boolean loop) throws IOException {
        this(pcapFile, loop, null);
    }

    /** @param peer the pretend host on the wire, or null */
    public TestNetworkBackend(Path pcapFile, boolean loop, EchoPeer peer) throws IOException {
        this.loop = loop;
        this.peer = peer;
        if (pcapFile != null) {
            pcap = Files.newOutputStream(pcapFile);
            ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
            pcap.write(h.array());
            pcap.flush();
        } else {
            pcap = null;
        }
    }

    /** Frames the guest has sent. */
    public long framesTransmitted() {
        return frames.get();
    }

    @Override
    public void transmit(ByteBuffer frame) throws IOException {
        frames.incrementAndGet();
        if (pcap != null) {
            int len = frame.remaining();
            long now = System.currentTimeMillis();
            ByteBuffer rec = ByteBuffer.allocate(16 + len).order(ByteOrder.LITTLE_ENDIAN);
            rec.putInt((int) (now / 1000)).putInt((int) (now % 1000) * 1000).putInt(len).putInt(len);
            rec.put(frame.duplicate());
            synchronized (pcap) {
                pcap.write(rec.array());
                pcap.flush();
            }
        }
        FrameSink s = sink;
        if (loop && s != null) {
            s.deliver(frame.duplicate());
        }
        ByteBuffer answer = peer == null ? null : peer.answer(frame);
        if (answer != null && s != null) {
            s.deliver(answer);
        }
    }

    /** The pretend host on the wire, or null. */
    public EchoPeer peer() {
        return peer;
    }

    @Override
    public void attach(FrameSink sink) {
        this.sink = sink;
    }

    @Override
    public void close() throws IOException {
        if (pcap != null) {
            synchronized (pcap) {
                pcap.close();
            }
        }
    }
}
