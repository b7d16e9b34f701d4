package vmm.core.domain;

/**
 * A domain operation failed. The message is for the user and names the problem (for XML, the
 * element path, e.g. {@code /domain/memory: invalid unit 'XB'}); {@link #kind()} says which
 * class of failure it is, as libvirt's error codes do.
 */
public class DomainException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The class of failure. */
    public enum Kind {
        /** No domain with that name, id or UUID. */
        NO_DOMAIN,
        /** The XML is malformed or a value is invalid. */
        INVALID_XML,
        /** The operation is not valid in the domain's current state. */
        INVALID_OPERATION,
        /** A definition with the same name or UUID exists already. */
        CONFLICT,
        /** The operation needs something this installation lacks (e.g. no machine). */
        UNSUPPORTED,
        /** The store or the machine failed. */
        FAILED
    }

    private final Kind kind;

    public DomainException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public DomainException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
