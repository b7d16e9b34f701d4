package vmm.dev.virtio.vhost;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.memory.GuestMemory;
import vmm.dev.virtio.device.DeviceHost;
import vmm.dev.virtio.device.VirtioDevice;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtioFeatures;
import vmm.dev.virtio.sys.Libc;

/**
 * One frontend's connection: the message loop of the vhost-user protocol (features, protocol
 * features, memory table, vring setup, config space, reset) driving one device. A request the
 * protocol does not allow ends the connection with a log line naming it; the device is reset
 * and the backend waits for the next frontend.
 */
public final class VhostUserSession implements DeviceHost {
    private static final Logger LOG = LoggerFactory.getLogger(VhostUserSession.class);
    static final long PROTOCOL_FEATURES = bit(VhostUserMessage.PF_MQ) | bit(VhostUserMessage.PF_REPLY_ACK)
            | bit(VhostUserMessage.PF_BACKEND_REQ) | bit(VhostUserMessage.PF_CONFIG)
            | bit(VhostUserMessage.PF_RESET_DEVICE);
    private static final int MAX_REGIONS = 8;
    private static final int CONFIG_SPACE = 256;

    private final VirtioDevice device;
    private final UnixChannel channel;
    private final String name;
    private final Vring[] rings;
    private long acked;
    private long protocol;
    private volatile VhostUserMemory memory;
    private volatile UnixChannel backendChannel;
    private boolean deviceStarted;

    VhostUserSession(VirtioDevice device, UnixChannel channel, String name) {
        this.device = device;
        this.channel = channel;
        this.name = name;
        this.rings = new Vring[device.queueCount()];
        for (int i = 0; i < rings.length; i++) {
            rings[i] = new Vring(i);
        }
    }

    private static long bit(int n) {
        return 1L << n;
    }

    void run() {
        try {
            VhostUserMessage m;
            while ((m = channel.receive()) != null) {
                handle(m);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: dropping the frontend: {}", name, e.getMessage());
        } finally {
            teardown();
        }
    }

    void disconnect() {
        try {
            Libc.shutdown(channel.fd());
        } catch (IOException e) {
            LOG.warn("{}: {}", name, e.getMessage());
        }
    }

    private void handle(VhostUserMessage m) throws IOException {
        LOG.debug("{}: {} ({} bytes, {} fds)", name, VhostUserMessage.name(m.request()), m.payload().length, m.fds().length);
        boolean ok = true;
        switch (m.request()) {
            case VhostUserMessage.GET_FEATURES -> replyU64(m, device.features() | VirtioFeatures.TRANSPORT
                    | VhostUserMessage.F_PROTOCOL_FEATURES);
            case VhostUserMessage.SET_FEATURES -> acked = m.u64();
            case VhostUserMessage.SET_OWNER -> {
            }
            case VhostUserMessage.RESET_OWNER, VhostUserMessage.RESET_DEVICE -> resetDevice();
            case VhostUserMessage.GET_PROTOCOL_FEATURES -> replyU64(m, PROTOCOL_FEATURES);
            case VhostUserMessage.SET_PROTOCOL_FEATURES -> protocol = m.u64() & PROTOCOL_FEATURES;
            case VhostUserMessage.GET_QUEUE_NUM -> replyU64(m, rings.length);
            case VhostUserMessage.SET_MEM_TABLE -> setMemTable(m);
            case VhostUserMessage.SET_VRING_NUM -> {
                Vring r = ring(m, 8);
                int num = m.body().getInt(4);
                if (num <= 0 || num > 32768 || (num & (num - 1)) != 0) {
                    throw new VhostUserProtocolException("vring " + r.index + ": size " + num + " is not a power of 2 up to 32768");
                }
                r.num = num;
            }
            case VhostUserMessage.SET_VRING_ADDR -> {
                Vring r = ring(m, 40);
                ByteBuffer b = m.body();
                r.descVa = b.getLong(8);
                r.usedVa = b.getLong(16);
                r.availVa = b.getLong(24);
                r.addressed = true;
            }
            case VhostUserMessage.SET_VRING_BASE -> {
                Vring r = ring(m, 8);
                r.base = m.body().getInt(4) & 0xffff;
            }
            case VhostUserMessage.GET_VRING_BASE -> {
                Vring r = ring(m, 8);
                int base = r.stop(device);
                Vring.closeQuietly(r.kickFd);
                r.kickFd = -1;
                byte[] out = new byte[8];
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(0, r.index).putInt(4, base);
                reply(m, out);
            }
            case VhostUserMessage.SET_VRING_KICK, VhostUserMessage.SET_VRING_CALL, VhostUserMessage.SET_VRING_ERR ->
                    setVringFd(m);
            case VhostUserMessage.SET_VRING_ENABLE -> {
                Vring r = ring(m, 8);
                r.enabled = m.body().getInt(4) != 0;
                if (r.enabled) {
                    maybeStart(r);
                } else {
                    r.stop(device);
                }
            }
            case VhostUserMessage.SET_BACKEND_REQ_FD -> {
                int[] fds = m.fds();
                if (fds.length != 1) {
                    UnixChannel.closeAll(fds);
                    throw new VhostUserProtocolException("SET_BACKEND_REQ_FD with " + fds.length + " descriptors");
                }
                UnixChannel old = backendChannel;
                backendChannel = new UnixChannel(fds[0]);
                if (old != null) {
                    old.close();
                }
            }
            case VhostUserMessage.GET_CONFIG -> getConfig(m);
            case VhostUserMessage.SET_CONFIG -> {
                m.need(12);
                ByteBuffer b = m.body();
                int off = b.getInt(0);
                int size = b.getInt(4);
                if (off < 0 || size < 0 || size > m.payload().length - 12 || off + size > CONFIG_SPACE) {
                    throw new VhostUserProtocolException("SET_CONFIG of " + size + " bytes at " + off);
                }
                byte[] data = new byte[size];
                b.get(12, data);
                device.writeConfig(off, data);
            }
            default -> {
                UnixChannel.closeAll(m.fds());
                LOG.warn("{}: unsupported {} refused", name, VhostUserMessage.name(m.request()));
                ok = false;
                if (!m.needReply()) {
                    throw new VhostUserProtocolException("unsupported " + VhostUserMessage.name(m.request())
                            + " that expects no failure report");
                }
            }
        }
        if (m.needReply() && !hasOwnReply(m.request())) {
            replyU64(m, ok ? 0 : 1);
        }
    }

    private static boolean hasOwnReply(int request) {
        return switch (request) {
            case VhostUserMessage.GET_FEATURES, VhostUserMessage.GET_PROTOCOL_FEATURES, VhostUserMessage.GET_QUEUE_NUM,
                    VhostUserMessage.GET_VRING_BASE, VhostUserMessage.GET_CONFIG -> true;
            default -> false;
        };
    }

    private Vring ring(VhostUserMessage m, int payload) throws VhostUserProtocolException {
        m.need(payload);
        int index = m.body().getInt(0);
        if (index < 0 || index >= rings.length) {
            throw new VhostUserProtocolException(VhostUserMessage.name(m.request()) + " for vring " + index
                    + " of a device with " + rings.length);
        }
        return rings[index];
    }

    private void setVringFd(VhostUserMessage m) throws IOException {
        long v;
        try {
            v = m.u64();
        } catch (VhostUserProtocolException e) {
            UnixChannel.closeAll(m.fds());
            throw e;
        }
        int index = (int) (v & 0xff);
        boolean noFd = (v & 0x100) != 0;
        int[] fds = m.fds();
        if (index >= rings.length || (noFd ? fds.length != 0 : fds.length != 1)) {
            UnixChannel.closeAll(fds);
            throw new VhostUserProtocolException(VhostUserMessage.name(m.request()) + " for vring " + index + " with "
                    + fds.length + " descriptors" + (noFd ? " (polling is not supported)" : ""));
        }
        Vring r = rings[index];
        int fd = noFd ? -1 : fds[0];
        switch (m.request()) {
            case VhostUserMessage.SET_VRING_KICK -> {
                if (noFd) {
                    throw new VhostUserProtocolException("vring " + index + ": kick polling is not supported");
                }
                r.stop(device);
                Vring.closeQuietly(r.kickFd);
                r.kickFd = fd;
                // Without protocol features a ring is enabled as soon as it starts.
                if ((acked & VhostUserMessage.F_PROTOCOL_FEATURES) == 0) {
                    r.enabled = true;
                }
                maybeStart(r);
            }
            case VhostUserMessage.SET_VRING_CALL -> {
                int old = r.callFd;
                r.callFd = fd;
                Vring.closeQuietly(old);
            }
            default -> {
                Vring.closeQuietly(r.errFd);
                r.errFd = fd;
            }
        }
    }

    private void maybeStart(Vring r) throws IOException {
        VhostUserMemory mem = memory;
        if (r.running() || !r.enabled || r.kickFd < 0 || !r.addressed || r.num == 0 || mem == null) {
            return;
        }
        if (!deviceStarted) {
            deviceStarted = true;
            device.start(this);
        }
        r.start(mem, acked, device, name);
    }

    private void setMemTable(VhostUserMessage m) throws IOException {
        int[] fds = m.fds();
        List<VhostUserMemory.RegionSpec> specs = new ArrayList<>();
        try {
            m.need(8);
            ByteBuffer b = m.body();
            int n = b.getInt(0);
            if (n < 1 || n > MAX_REGIONS || n != fds.length || m.payload().length < 8 + 32 * n) {
                throw new VhostUserProtocolException("SET_MEM_TABLE with " + n + " regions, " + fds.length
                        + " descriptors and " + m.payload().length + " bytes");
            }
            for (int i = 0; i < n; i++) {
                int o = 8 + 32 * i;
                specs.add(new VhostUserMemory.RegionSpec(b.getLong(o), b.getLong(o + 8), b.getLong(o + 16),
                        b.getLong(o + 24), fds[i]));
            }
        } catch (VhostUserProtocolException e) {
            UnixChannel.closeAll(fds);
            throw e;
        }
        // Rings must not touch the old mapping while it is replaced.
        List<Vring> wasRunning = new ArrayList<>();
        for (Vring r : rings) {
            if (r.running()) {
                r.stop(device);
                wasRunning.add(r);
            }
        }
        VhostUserMemory fresh = VhostUserMemory.map(specs);
        VhostUserMemory old = memory;
        memory = fresh;
        if (old != null) {
            old.close();
        }
        LOG.debug("{}: guest memory of {} bytes in {} regions", name, fresh.size(), specs.size());
        for (Vring r : wasRunning) {
            maybeStart(r);
        }
        for (Vring r : rings) {
            maybeStart(r);
        }
    }

    private void getConfig(VhostUserMessage m) throws IOException {
        m.need(12);
        ByteBuffer b = m.body();
        int off = b.getInt(0);
        int size = b.getInt(4);
        if (off < 0 || size < 0 || off + size > CONFIG_SPACE || size > m.payload().length - 12) {
            throw new VhostUserProtocolException("GET_CONFIG of " + size + " bytes at " + off);
        }
        byte[] config = device.config();
        byte[] out = new byte[12 + size];
        ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        o.putInt(0, off).putInt(4, size).putInt(8, b.getInt(8));
        for (int i = 0; i < size; i++) {
            out[12 + i] = off + i < config.length ? config[off + i] : 0;
        }
        reply(m, out);
    }

    private void replyU64(VhostUserMessage m, long value) throws IOException {
        byte[] out = new byte[8];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
        reply(m, out);
    }

    private void reply(VhostUserMessage m, byte[] payload) throws IOException {
        channel.send(m.request(), VhostUserMessage.VERSION | VhostUserMessage.FLAG_REPLY, payload);
    }

    private void resetDevice() {
        for (Vring r : rings) {
            r.stop(device);
            r.base = 0;
        }
        if (deviceStarted) {
            device.reset();
            deviceStarted = false;
        }
        acked = 0;
    }

    private void teardown() {
        resetDevice();
        for (Vring r : rings) {
            r.closeFds();
        }
        VhostUserMemory mem = memory;
        memory = null;
        if (mem != null) {
            mem.close();
        }
        try {
            UnixChannel bc = backendChannel;
            if (bc != null) {
                bc.close();
            }
            channel.close();
        } catch (IOException e) {
            LOG.warn("{}: closing the connection: {}", name, e.getMessage());
        }
    }

    // DeviceHost: what the running device sees.

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public long features() {
        return acked;
    }

    @Override
    public Virtqueue queue(int index) {
        return index >= 0 && index < rings.length ? rings[index].queue() : null;
    }

    @Override
    public void needsReset(String reason) {
        LOG.error("{}: the driver broke a virtqueue, the device needs a reset: {}", name, reason);
        for (Vring r : rings) {
            Virtqueue q = r.queue();
            if (q != null && q.broken()) {
                r.error();
            }
        }
    }

    @Override
    public void configChanged() {
        UnixChannel bc = backendChannel;
        if (bc == null || (protocol & bit(VhostUserMessage.PF_BACKEND_REQ)) == 0) {
            LOG.warn("{}: configuration changed but the frontend gave no backend channel to say so", name);
            return;
        }
        try {
            synchronized (bc) {
                bc.send(VhostUserMessage.BACKEND_CONFIG_CHANGE_MSG, VhostUserMessage.VERSION, new byte[0]);
            }
        } catch (IOException e) {
            LOG.warn("{}: sending a configuration change: {}", name, e.getMessage());
        }
    }
}
