package vmm.dev.virtio.device;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.dev.virtio.queue.DescriptorChain;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtqueueException;

/**
 * virtio-console (virtio 1.2, 5.3) with one port, the guest's hvc0: what the guest writes goes
 * to {@code output}; what the host {@link #send}s waits (up to a limit) until the guest posts
 * receive buffers.
 */
public final class VirtioConsole implements VirtioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioConsole.class);
    public static final int ID = 3;
    static final int RX = 0;
    static final int TX = 1;
    /** Input held for a guest that reads nothing; beyond it the oldest bytes are dropped. */
    static final int MAX_PENDING = 1 << 20;

    private final String name;
    private final Consumer<byte[]> output;
    private final RateLimitedLog guestErrors = new RateLimitedLog(LOG);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private volatile DeviceHost host;

    public VirtioConsole(String name, Consumer<byte[]> output) {
        this.name = name;
        this.output = output;
    }

    @Override
    public int deviceId() {
        return ID;
    }

    @Override
    public long features() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public byte[] config() {
        // cols, rows, max_nr_ports, emerg_wr: only meaningful with features not offered.
        return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1).array();
    }

    @Override
    public void start(DeviceHost host) {
        this.host = host;
    }

    /** Text for the guest; delivered as soon as it has receive buffers. */
    public void send(byte[] data) {
        synchronized (pending) {
            if (pending.size() + data.length > MAX_PENDING) {
                byte[] keep = pending.toByteArray();
                pending.reset();
                int drop = Math.min(keep.length, pending.size() + data.length - MAX_PENDING);
                pending.write(keep, drop, keep.length - drop);
                LOG.warn("{}: the guest reads no input; {} bytes dropped", name, drop);
            }
            pending.write(data, 0, data.length);
        }
        DeviceHost h = host;
        Virtqueue rx = h == null ? null : h.queue(RX);
        if (rx != null) {
            deliver(rx);
        }
    }

    @Override
    public void queueNotify(Virtqueue queue) {
        try {
            if (queue.index() == TX) {
                transmit(queue);
            } else if (queue.index() == RX) {
                deliver(queue);
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
                int n = (int) Math.min(c.readableLength(), 1 << 20);
                byte[] data = new byte[n];
                c.copyFromReadable(0, data, 0, n);
                output.accept(data);
                q.push(c.head(), 0);
            }
            q.notifyIfNeeded();
        } while (q.hasPending());
    }

    private void deliver(Virtqueue rx) {
        synchronized (pending) {
            try {
                boolean pushed = false;
                while (pending.size() > 0) {
                    DescriptorChain c = rx.pop();
                    if (c == null) {
                        break;
                    }
                    byte[] all = pending.toByteArray();
                    int n = (int) Math.min(all.length, c.writableLength());
                    c.copyToWritable(0, all, 0, n);
                    rx.push(c.head(), n);
                    pushed = true;
                    pending.reset();
                    pending.write(all, n, all.length - n);
                }
                if (pushed) {
                    rx.notifyIfNeeded();
                }
            } catch (VirtqueueException e) {
                fail(e);
            }
        }
    }

    /** For tests and status: input still waiting for the guest. */
    public int pendingInput() {
        synchronized (pending) {
            return pending.size();
        }
    }

    @Override
    public void reset() {
        host = null;
    }

}
