package vmm.core.internal.timer;

/**
 * The guest's time base: a monotonic nanosecond count. The platform's timers (PIT, APIC timer,
 * PM timer, HPET) all read this one source, so they agree with each other; in production it
 * is the host's {@link System#nanoTime()}, in tests a clock the test moves.
 */
@FunctionalInterface
public interface TimeSource {

    long nanoTime();

    /** The host's monotonic clock. */
    TimeSource SYSTEM = System::nanoTime;

    /**
     * {@code nanos} converted to ticks of a {@code hz} clock (up to about 9 GHz), without
     * overflowing for any monotonic-clock value: days of uptime times GHz rates overflow a
     * plain product.
     */
    static long ticks(long nanos, long hz) {
        return Math.floorDiv(nanos, 1_000_000_000L) * hz + Math.floorMod(nanos, 1_000_000_000L) * hz / 1_000_000_000L;
    }

    /** The nanoseconds {@code ticks} of a {@code hz} clock take (rounded up, so a deadline is never early). */
    static long nanos(long ticks, long hz) {
        long whole = Math.floorDiv(ticks, hz);
        long rest = Math.floorMod(ticks, hz);
        return whole * 1_000_000_000L + (rest * 1_000_000_000L + hz - 1) / hz;
    }
}
