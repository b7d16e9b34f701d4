package vmm.dev.virtio.sys;

import java.io.IOException;

/** A libc call failed; carries the errno. */
public final class NativeCallException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public NativeCallException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
