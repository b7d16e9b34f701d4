package vmm.core.domain;

/** A domain's state, named as virsh prints it. */
public enum DomainState {
    NOSTATE("no state"),
    RUNNING("running"),
    BLOCKED("idle"),
    PAUSED("paused"),
    SHUTDOWN("in shutdown"),
    SHUTOFF("shut off"),
    CRASHED("crashed"),
    PMSUSPENDED("pmsuspended");

    private final String label;

    DomainState(String label) {
        this.label = label;
    }

    /** The text virsh prints for this state ({@code shut off}, {@code running}...). */
    public String label() {
        return label;
    }

    /** Whether the domain has a running machine (libvirt's "active"). */
    public boolean active() {
        return this != SHUTOFF && this != CRASHED && this != NOSTATE;
    }
}
