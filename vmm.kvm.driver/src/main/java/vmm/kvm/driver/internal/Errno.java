package vmm.kvm.driver.internal;

/** The errno values the driver reacts to rather than reports. */
public final class Errno {
    private Errno() {
    }

    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int E2BIG = 7;
    public static final int EAGAIN = 11;
    public static final int ENOTTY = 25;
}
