package vmm.core.machine;

/** What a guest reset (0xCF9, the keyboard controller, a triple fault) does. */
public enum RebootPolicy {
    /** Reset the machine and boot the kernel again, as a PC does. */
    RESET,
    /**
     * End the machine instead, as QEMU's {@code --no-reboot}: a reset request ends it with
     * {@link MachineExit.ResetRequested}, a triple fault with {@link MachineExit.Crashed}.
     */
    EXIT
}
