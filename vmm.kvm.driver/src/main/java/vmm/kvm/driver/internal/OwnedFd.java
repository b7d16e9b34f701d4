package vmm.kvm.driver.internal;

/**
 * A file descriptor and the duty to close it once. Closing twice is a no-op, so that an
 * owner closed explicitly and again by try-with-resources does not close a reused number.
 */
public final class OwnedFd implements AutoCloseable {
    private final int fd;
    private final String what;
    private boolean closed;

    public OwnedFd(int fd, String what) {
        this.fd = fd;
        this.what = what;
    }

    public synchronized int fd() {
        if (closed) {
            throw new IllegalStateException(what + " (fd " + fd + ") is closed");
        }
        return fd;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() throws NativeCallException {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(fd);
    }

    @Override
    public String toString() {
        return what + " (fd " + fd + ")";
    }
}
