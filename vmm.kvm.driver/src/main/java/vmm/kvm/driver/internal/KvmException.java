package vmm.kvm.driver.internal;

import java.io.IOException;

/** KVM answered, but not in a way this driver can work with (API version, a refused MSR). */
public final class KvmException extends IOException {
    private static final long serialVersionUID = 1L;

    public KvmException(String message) {
        super(message);
    }
}
