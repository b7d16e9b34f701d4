package vmm.core.machine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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

    /**
     * As {@link #start()}, with every vCPU held before its first instruction when {@code paused}
     * ({@link MachineState#PAUSED} until {@link #resume()}): a restored guest that is to stay
     * paused does not run at all. Since 1.3.
     */
    default void start(boolean paused) throws MachineException {
        start();
        if (paused) {
            pause();
        }
    }

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

    /**
     * Writes the whole state of a paused machine to {@code out}: every vCPU's registers, every
     * device's state, and guest RAM (pages of zeros left out). Disk images are not copied. The
     * machine stays paused. Since 1.3.
     *
     * @throws MachineException when the machine is not paused, a device cannot save its state
     *                          (the message names it), or writing fails
     */
    default void saveState(OutputStream out) throws MachineException {
        throw new MachineException("this machine cannot save its state");
    }

    /**
     * As {@link #saveState(OutputStream)}, into {@code file}: written beside it first and moved
     * into place once complete, so a failed save leaves no partial file. Since 1.3.
     */
    default void saveState(Path file) throws MachineException {
        Path absolute = file.toAbsolutePath();
        Path partial = absolute.resolveSibling(absolute.getFileName() + ".partial");
        try {
            try (OutputStream out = Files.newOutputStream(partial)) {
                saveState(out);
            }
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            MachineException failed = new MachineException("cannot write " + file + ": " + e, e);
            removePartial(partial, failed);
            throw failed;
        } catch (MachineException | RuntimeException e) {
            removePartial(partial, e);
            throw e;
        }
    }

    private static void removePartial(Path partial, Exception failure) {
        try {
            Files.deleteIfExists(partial);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Loads a state from {@link #saveState(OutputStream)} into this machine, which must be
     * built from the same configuration (RAM, vCPUs, accelerator, devices) and not started;
     * {@link #start()} then runs the guest on from where it was saved. Everything is read and
     * checked before anything runs. Since 1.3.
     *
     * @throws MachineException naming what is wrong (not a state file, another version, another
     *                          kind of machine, truncated, corrupt); the machine then cannot be
     *                          started, only closed
     */
    default void restoreState(InputStream in) throws MachineException {
        throw new MachineException("this machine cannot restore a state");
    }

    /** As {@link #restoreState(InputStream)}, from {@code file}. Since 1.3. */
    default void restoreState(Path file) throws MachineException {
        try (InputStream in = Files.newInputStream(file)) {
            restoreState(in);
        } catch (IOException e) {
            throw new MachineException("cannot read " + file + ": " + e, e);
        }
    }

    /**
     * The configured devices that offer {@code kind} (see {@link vmm.core.device.PciDevice#facet}),
     * in slot order: how the host reaches a device while the guest runs, for example a
     * {@link vmm.core.device.MemoryBalloon} to set its target. Since 1.4.
     */
    default <T> List<T> devices(Class<T> kind) {
        return List.of();
    }

    /** Destroys the machine if it still runs, and releases its memory and accelerator resources. */
    @Override
    void close();
}
