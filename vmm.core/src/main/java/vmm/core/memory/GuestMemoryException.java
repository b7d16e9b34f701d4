package vmm.core.memory;

/**
 * A guest address that is not RAM. Devices turn it into an error the guest sees (a failed
 * request, a device error status); it never reaches host memory.
 */
public class GuestMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuestMemoryException(String message) {
        super(message);
    }
}
