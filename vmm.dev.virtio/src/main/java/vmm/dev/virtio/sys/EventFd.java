package vmm.dev.virtio.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Signalling and draining eventfd-style descriptors (a vhost-user kick or call descriptor is an
 * eventfd, or a pipe under user-mode Linux: both take and give 8-byte counters).
 */
public final class EventFd {
    private static final ThreadLocal<MemorySegment> BUF = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(8, 8));

    private EventFd() {
    }

    /** Adds 1 to the counter (wakes a reader). EAGAIN on a full pipe is fine: it is awake already. */
    public static void signal(int fd) throws IOException {
        MemorySegment b = BUF.get();
        b.set(ValueLayout.JAVA_LONG, 0, 1L);
        Libc.write(fd, b, 8);
    }

    /** Reads the counter, resetting it; returns -1 when nothing was there (non-blocking fd). */
    public static long drain(int fd) throws IOException {
        MemorySegment b = BUF.get();
        long n = Libc.read(fd, b, 8);
        return n == 8 ? b.get(ValueLayout.JAVA_LONG, 0) : -1;
    }

    /**
     * Waits until one of {@code fds} is readable; returns a bit mask of the readable ones
     * (bit i for fds[i]), 0 on timeout.
     */
    public static int poll(MemorySegment pollfds, int[] fds, int timeoutMillis) throws IOException {
        for (int i = 0; i < fds.length; i++) {
            pollfds.set(ValueLayout.JAVA_INT, 8L * i, fds[i]);
            pollfds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, Libc.POLLIN);
            pollfds.set(ValueLayout.JAVA_SHORT, 8L * i + 6, (short) 0);
        }
        int r = Libc.poll(pollfds, fds.length, timeoutMillis);
        int mask = 0;
        if (r > 0) {
            for (int i = 0; i < fds.length; i++) {
                if (pollfds.get(ValueLayout.JAVA_SHORT, 8L * i + 6) != 0) {
                    mask |= 1 << i;
                }
            }
        }
        return mask;
    }
}
