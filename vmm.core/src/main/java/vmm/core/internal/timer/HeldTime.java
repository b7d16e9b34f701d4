package vmm.core.internal.timer;

/**
 * The host's monotonic clock, which the machine holds at one instant while it saves or
 * restores the platform's timers: every timer's state is then taken (or put back) as of the
 * same moment, the one the vCPUs' TSCs are referred to. Otherwise the milliseconds a save
 * spends between one device and the next show up as drift between the HPET and the TSC, and
 * Linux's clocksource watchdog drops the TSC.
 */
public final class HeldTime implements TimeSource {
    private volatile long held;
    private volatile boolean holding;

    @Override
    public long nanoTime() {
        return holding ? held : System.nanoTime();
    }

    /** From now until {@link #release()}, the clock reads {@code at}. */
    public void hold(long at) {
        held = at;
        holding = true;
    }

    /** The clock runs with the host's again. */
    public void release() {
        holding = false;
    }
}
