package vmm.core.machine;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A running (or runnable) PC. Thread-safe: every method may be called from any thread except
 * a vCPU thread (a device callback posts its request instead).
 */
public interface Machine extends AutoCloseable {

    /** The accelerator the machine runs on, and why it was picked. */
    AcceleratorChoice accelerator();

    MachineState state();

    /** Starts the vCPUs (the bootstrap processor at the kernel entry, the others waiting for SIPI). */
    void start() throws MachineException;

    /** Stops every vCPU at an instruction boundary and returns when all have stopped. */
    void pause();

    /** Lets paused vCPUs run again. */
    void resume();

    /** A hardware reset: devices to their power-on state, the kernel loaded again, the BSP at its entry. */
    void reset();

    /**
     * Presses the ACPI power button (the fixed-feature power button event, an SCI): a guest
     * whose ACPI driver listens shuts down in an orderly way and powers off. Returns at once.
     * Since 1.3.
     *
     * @return whether the guest had enabled the power button event; false also when the
     *         machine is not running (a guest that has not enabled it will not react now)
     */
    boolean pressPowerButton();

    /** Ends the machine as an ACPI power-off would ({@link MachineExit.PoweredOff}). */
    void powerOff();

    /** Ends the machine at once ({@link MachineExit.Destroyed}). */
    void destroy();

    /** Waits until the machine has ended. */
    MachineExit awaitExit() throws InterruptedException;

    /** Waits at most {@code timeout}; empty when still running. */
    Optional<MachineExit> awaitExit(Duration timeout) throws InterruptedException;

    /**
     * What each vCPU has used so far (CPU time, the host CPU it last ran on), in vCPU order;
     * empty when the machine has not started or the implementation cannot tell. Since 1.2.
     */
    default List<VcpuStats> vcpuStats() {
        return List.of();
    }

    /** Destroys the machine if it still runs, and releases its memory and accelerator resources. */
    @Override
    void close();
}
