package vmm.kvm.driver.internal;

import java.io.IOException;

/** A libc or KVM call failed; the message names the call, its argument and the errno. */
public final class NativeCallException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    NativeCallException(String call, int errno, String errnoName, String description) {
        super(call + ": " + errnoName + " (" + description + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
