package vmm.core.bus;

/**
 * A device asked for a range that overlaps one already claimed on the bus; the message names
 * both devices and both ranges.
 */
public class BusConflictException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient BusRange existing;
    private final transient BusRange requested;

    public BusConflictException(String busName, BusRange requested, BusRange existing) {
        super(busName + ": " + requested + " overlaps " + existing);
        this.requested = requested;
        this.existing = existing;
    }

    /** The claim already on the bus. */
    public BusRange existing() {
        return existing;
    }

    /** The claim that was refused. */
    public BusRange requested() {
        return requested;
    }
}
