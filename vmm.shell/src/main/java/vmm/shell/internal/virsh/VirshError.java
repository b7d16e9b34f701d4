package vmm.shell.internal.virsh;

/**
 * A command failed; the message is what virsh prints after {@code error: } (several lines
 * when virsh prints several errors). The shell prints an exception with {@link #toString()},
 * so that is virsh's form too.
 */
public final class VirshError extends Exception {
    private static final long serialVersionUID = 1L;

    public VirshError(String message) {
        super(message);
    }

    /** virsh's two-line form: what failed, then why. */
    public VirshError(String what, String why) {
        super(what + "\nerror: " + why);
    }

    @Override
    public String toString() {
        return "error: " + getMessage();
    }
}
