package vmm.kvm.driver.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An eventfd(2) counter: what KVM signals for an ioeventfd and waits on for an irqfd, so a
 * device model and a vCPU can notify each other without a trip through the vCPU thread.
 */
public final class EventFd implements AutoCloseable {
    private final OwnedFd fd;

    private EventFd(int fd) {
        this.fd = new OwnedFd(fd, "eventfd");
    }

    /** {@code flags}: {@link Libc#EFD_NONBLOCK}; close-on-exec is always set. */
    public static EventFd create(int flags) throws NativeCallException {
        return new EventFd(Libc.eventfd(0, flags | Libc.EFD_CLOEXEC));
    }

    public int fd() {
        return fd.fd();
    }

    /** Adds {@code value} to the counter, waking a reader (or KVM, for an irqfd). */
    public void signal(long value) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(ValueLayout.JAVA_LONG);
            buf.set(ValueLayout.JAVA_LONG, 0, value);
            Libc.write(fd.fd(), buf);
        }
    }

    /**
     * Reads the counter and resets it to zero; blocks while it is zero unless the eventfd
     * is non-blocking, in which case that read fails with EAGAIN.
     */
    public long consume() throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(ValueLayout.JAVA_LONG);
            Libc.read(fd.fd(), buf);
            return buf.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    @Override
    public void close() throws NativeCallException {
        fd.close();
    }

    @Override
    public String toString() {
        return fd.toString();
    }
}
