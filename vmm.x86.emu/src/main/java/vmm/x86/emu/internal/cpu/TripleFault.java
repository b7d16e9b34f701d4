package vmm.x86.emu.internal.cpu;

/** Delivering an exception faulted while delivering a double fault: the CPU shuts down. */
public final class TripleFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TripleFault(String detail) {
        super(detail, null, false, false);
    }
}
