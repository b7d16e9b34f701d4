package vmm.core.domain;

/** Why a domain is in its state: virsh's {@code domstate --reason} texts. */
public enum StateReason {
    UNKNOWN("unknown"),
    // running
    BOOTED("booted"),
    UNPAUSED("unpaused"),
    RESTORED("restored"),
    /** Running again from a snapshot with the VM state (snapshot-revert). Since 1.2. */
    FROM_SNAPSHOT("from snapshot"),
    // paused
    USER("user"),
    SHUTTING_DOWN("shutting down"),
    STARTING_UP("starting up"),
    // shut off
    SHUTDOWN("shutdown"),
    DESTROYED("destroyed"),
    CRASHED("crashed"),
    SAVED("saved"),
    FAILED("failed"),
    DAEMON("daemon"),
    // crashed
    PANICKED("panicked");

    private final String label;

    StateReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
