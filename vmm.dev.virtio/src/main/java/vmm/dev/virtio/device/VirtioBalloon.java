package vmm.dev.virtio.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.MemoryBalloon;
import vmm.core.memory.GuestMemory;
import vmm.core.memory.GuestMemoryException;
import vmm.dev.virtio.queue.DescriptorChain;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtqueueException;
import vmm.dev.virtio.sys.Libc;
import vmm.dev.virtio.vhost.VhostUserMemory;

/**
 * virtio-balloon (virtio 1.2, 5.5), inflate and deflate queues: the host sets a target
 * ({@link #setTarget}), the guest gives pages and the device returns them to the host: with
 * madvise(MADV_DONTNEED) on the VMM's own private guest RAM, with MADV_REMOVE (a hole in the
 * shared file) on a vhost-user frontend's memory. Deflated pages need nothing: the guest
 * touches them again and the host backs them anew.
 */
public final class VirtioBalloon implements VirtioDevice, MemoryBalloon {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioBalloon.class);
    public static final int ID = 5;
    static final int INFLATE = 0;
    static final int DEFLATE = 1;
    static final int PAGE = 4096;

    private final String name;
    private final RateLimitedLog guestErrors = new RateLimitedLog(LOG);
    private volatile int target;
    private volatile int actual;
    private final AtomicLong inflated = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private volatile DeviceHost host;

    public VirtioBalloon(String name, int targetPages) {
        this.name = name;
        this.target = targetPages;
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
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0, target).putInt(4, actual).array();
    }

    @Override
    public void writeConfig(int offset, byte[] data) {
        if (offset == 4 && data.length == 4) {
            actual = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }
    }

    /** Asks the guest to hold {@code pages} 4 KiB pages in the balloon. */
    public void setTarget(int pages) {
        if (pages < 0) {
            throw new IllegalArgumentException("balloon target " + pages + " pages is negative");
        }
        target = pages;
        DeviceHost h = host;
        if (h != null) {
            h.configChanged();
        }
    }

    @Override
    public void setTargetBytes(long bytes) {
        if (bytes < 0 || bytes / PAGE > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("balloon target " + bytes + " bytes is outside 0.."
                    + (long) Integer.MAX_VALUE * PAGE);
        }
        setTarget((int) (bytes / PAGE));
    }

    @Override
    public long targetBytes() {
        return Integer.toUnsignedLong(target) * PAGE;
    }

    /** What the guest reports in {@code actual}: the config field is the guest's to write, so its word is taken as is. */
    @Override
    public long actualBytes() {
        return Integer.toUnsignedLong(actual) * PAGE;
    }

    @Override
    public long releasedBytes() {
        return released.get() * PAGE;
    }

    /** Pages the guest has in the balloon now, by the device's count. */
    public long inflatedPages() {
        return inflated.get();
    }

    /** Pages returned to the host since the start. */
    public long releasedPages() {
        return released.get();
    }

    /** What the guest last reported in the config space's {@code actual}. */
    public int actualPages() {
        return actual;
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
                    int n = (int) Math.min(c.readableLength() / 4, 1 << 16);
                    byte[] pfns = new byte[n * 4];
                    c.copyFromReadable(0, pfns, 0, pfns.length);
                    ByteBuffer b = ByteBuffer.wrap(pfns).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        long pfn = Integer.toUnsignedLong(b.getInt(4 * i));
                        if (queue.index() == INFLATE) {
                            release(queue.memory(), pfn * PAGE);
                            inflated.incrementAndGet();
                        } else if (queue.index() == DEFLATE) {
                            inflated.decrementAndGet();
                        }
                    }
                    queue.push(c.head(), 0);
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

    private void release(GuestMemory memory, long gpa) {
        try {
            if (memory instanceof VhostUserMemory shared) {
                shared.release(gpa, PAGE);
            } else {
                Libc.madvise(memory.slice(gpa, PAGE).address(), PAGE, Libc.MADV_DONTNEED, "MADV_DONTNEED");
            }
            released.incrementAndGet();
        } catch (GuestMemoryException e) {
            guestErrors.warn("{}: inflated page 0x{} is not guest RAM", name, Long.toHexString(gpa));
        } catch (IOException e) {
            guestErrors.warn("{}: returning page 0x{} to the host: {}", name, Long.toHexString(gpa), e.getMessage());
        }
    }

    @Override
    public void reset() {
        host = null;
        inflated.set(0);
        actual = 0;
    }
}
