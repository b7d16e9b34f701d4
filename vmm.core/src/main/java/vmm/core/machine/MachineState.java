package vmm.core.machine;

/** Where a {@link Machine} is in its life. */
public enum MachineState {
    /** Built, not started. */
    CREATED,
    /** vCPUs run guest code. */
    RUNNING,
    /** Every vCPU is stopped at an instruction boundary; devices keep their state. */
    PAUSED,
    /** The machine has ended ({@link Machine#awaitExit()} says how); only closing is left. */
    STOPPED
}
