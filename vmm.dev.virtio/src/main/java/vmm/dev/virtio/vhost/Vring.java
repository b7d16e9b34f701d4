package vmm.dev.virtio.vhost;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.dev.virtio.device.VirtioDevice;
import vmm.dev.virtio.queue.SplitVirtqueue;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtqueueException;
import vmm.dev.virtio.sys.EventFd;
import vmm.dev.virtio.sys.Libc;

/**
 * One vring of a vhost-user session: what the frontend configured (size, addresses, base,
 * kick/call/err descriptors, enable) and, while it runs, the {@link Virtqueue} and the thread
 * that waits for kicks and hands them to the device.
 */
final class Vring {
    private static final Logger LOG = LoggerFactory.getLogger(Vring.class);

    final int index;
    int num;
    int base;
    long descVa;
    long availVa;
    long usedVa;
    boolean addressed;
    int kickFd = -1;
    volatile int callFd = -1;
    int errFd = -1;
    boolean enabled;

    private volatile Virtqueue queue;
    private Thread worker;
    private int stopFd = -1;

    Vring(int index) {
        this.index = index;
    }

    Virtqueue queue() {
        return queue;
    }

    boolean running() {
        return worker != null;
    }

    /** The frontend's call descriptor, signalled when the driver wants an interrupt. */
    void interrupt() {
        int fd = callFd;
        if (fd >= 0) {
            try {
                EventFd.signal(fd);
            } catch (IOException e) {
                LOG.warn("vring {}: signalling the call descriptor: {}", index, e.getMessage());
            }
        }
    }

    /** The driver broke the ring: tell the frontend through the error descriptor, if it gave one. */
    void error() {
        if (errFd >= 0) {
            try {
                EventFd.signal(errFd);
            } catch (IOException e) {
                LOG.warn("vring {}: signalling the error descriptor: {}", index, e.getMessage());
            }
        }
    }

    /** Binds the ring to guest memory and starts waiting for kicks. */
    void start(VhostUserMemory memory, long features, VirtioDevice device, String name) throws IOException {
        if (worker != null) {
            return;
        }
        Virtqueue q;
        try {
            q = new SplitVirtqueue(index, memory, num, memory.guestAddressOf(descVa), memory.guestAddressOf(availVa),
                    memory.guestAddressOf(usedVa), features, base, this::interrupt);
        } catch (VirtqueueException | RuntimeException e) {
            throw new VhostUserProtocolException("vring " + index + ": " + e.getMessage());
        }
        queue = q;
        stopFd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        int kick = kickFd;
        int stop = stopFd;
        worker = Thread.ofPlatform().daemon().name(name + "-vq" + index).start(() -> run(q, kick, stop, device));
    }

    private void run(Virtqueue q, int kick, int stop, VirtioDevice device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfds = arena.allocate(16, 8);
            int[] fds = {kick, stop};
            device.queueNotify(q);  // buffers made available before the ring started
            while (true) {
                int ready = EventFd.poll(pollfds, fds, -1);
                if ((ready & 2) != 0) {
                    return;
                }
                if ((ready & 1) != 0) {
                    EventFd.drain(kick);
                    device.queueNotify(q);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("vring {}: stopped: {}", index, e.toString());
        }
    }

    /** Stops the worker and remembers where the ring stands; returns that index. */
    int stop(VirtioDevice device) {
        Thread w = worker;
        if (w != null) {
            try {
                EventFd.signal(stopFd);
                w.join();
            } catch (IOException e) {
                LOG.error("vring {}: cannot stop its thread: {}", index, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(stopFd);
            stopFd = -1;
            worker = null;
            Virtqueue q = queue;
            device.quiesce(q);
            base = q.lastAvail();
            queue = null;
        }
        return base;
    }

    void closeFds() {
        closeQuietly(kickFd);
        closeQuietly(callFd);
        closeQuietly(errFd);
        kickFd = -1;
        callFd = -1;
        errFd = -1;
    }

    static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                Libc.close(fd);
            } catch (IOException e) {
                LOG.debug("close fd {}: {}", fd, e.getMessage());
            }
        }
    }
}
