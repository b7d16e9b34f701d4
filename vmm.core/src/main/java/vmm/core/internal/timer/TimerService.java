package vmm.core.internal.timer;

/**
 * Runs device callbacks at given {@link TimeSource} instants: the platform's periodic sources
 * (PIT channel 0, the HPET, the PM timer's overflow) arm a {@link Timer} for their next edge
 * and, when it runs, deliver whatever is due by then and arm the next one. The local APIC
 * timer does not use it: the vCPU notices that deadline itself (see the local APIC).
 */
public interface TimerService extends AutoCloseable {

    /** A timer that runs {@code task}; not armed until {@link Timer#arm}. */
    Timer newTimer(String name, Runnable task);

    /** Stops every timer; later arms do nothing. */
    @Override
    void close();

    /** One re-armable deadline. */
    interface Timer {
        /** Runs the task once at (or soon after) {@code deadlineNanos}, replacing an earlier arm. */
        void arm(long deadlineNanos);

        void cancel();
    }
}
