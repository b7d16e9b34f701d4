package vmm.core.internal.memory;

/**
 * A libc call on host memory failed. The message names the call, what it was about and the
 * errno, e.g. {@code mmap 512 MiB: ENOMEM (Cannot allocate memory)}.
 */
public final class HostCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String errnoName;

    HostCallException(String call, int errno, String errnoName, String description) {
        super(call + ": " + errnoName + " (" + description + ")");
        this.errno = errno;
        this.errnoName = errnoName;
    }

    public int errno() {
        return errno;
    }

    /** The symbolic name, such as {@code ENOMEM}. */
    public String errnoName() {
        return errnoName;
    }
}
