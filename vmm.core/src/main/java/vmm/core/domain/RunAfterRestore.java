package vmm.core.domain;

/**
 * Whether a restored domain runs or stays paused (virsh save and restore's {@code --running}
 * and {@code --paused}). Since 1.2.
 */
public enum RunAfterRestore {
    /** On save: as the domain is now; on restore: as the save file says. */
    AS_SAVED,
    /** Running. */
    RUNNING,
    /** Paused. */
    PAUSED
}
