package vmm.dev.virtio.device;

import java.security.SecureRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.dev.virtio.queue.DescriptorChain;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtqueueException;

/** virtio-rng (virtio 1.2, 5.4): fills the driver's buffers from the host's SecureRandom. */
public final class VirtioRng implements VirtioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioRng.class);
    public static final int ID = 4;
    /** Bytes given per request at most: a guest asking for 4 GiB gets a little, as from hardware. */
    static final int MAX_PER_REQUEST = 64 * 1024;

    private final String name;
    private final SecureRandom random = new SecureRandom();
    private final RateLimitedLog guestErrors = new RateLimitedLog(LOG);
    private volatile DeviceHost host;

    public VirtioRng(String name) {
        this.name = name;
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
        return 1;
    }

    @Override
    public byte[] config() {
        return new byte[0];
    }

    @Override
    public void start(DeviceHost host) {
        this.host = host;
    }

    @Override
    public void queueNotify(Virtqueue queue) {
        try {
            do {
                DescriptorChain c;
                while ((c = queue.pop()) != null) {
                    int n = (int) Math.min(MAX_PER_REQUEST, c.writableLength());
                    byte[] bytes = new byte[n];
                    random.nextBytes(bytes);
                    c.copyToWritable(0, bytes, 0, n);
                    queue.push(c.head(), n);
                }
                queue.notifyIfNeeded();
            } while (queue.hasPending());
        } catch (VirtqueueException e) {
            guestErrors.warn("{}: {}", name, e.getMessage());
            DeviceHost h = host;
            if (h != null) {
                h.needsReset(e.getMessage());
            }
        }
    }

    @Override
    public void reset() {
        host = null;
    }
}
