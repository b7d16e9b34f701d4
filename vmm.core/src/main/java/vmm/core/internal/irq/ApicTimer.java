package vmm.core.internal.irq;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.internal.timer.TimeSource;

/**
 * The local APIC timer's counting, as deadlines on the platform's time base. The APIC bus
 * runs at {@link #BUS_HZ} (1 GHz, as in KVM and QEMU: one count per nanosecond before the
 * divider), so an initial count {@code n} with divider {@code d} expires after {@code n * d}
 * ns. TSC-deadline mode compares with the TSC, which is the time base scaled to the platform's
 * TSC frequency ({@link #tsc}). Not thread-safe: the local APIC calls it under its lock.
 */
final class ApicTimer {
    private static final Logger LOG = LoggerFactory.getLogger(ApicTimer.class);
    static final long BUS_HZ = 1_000_000_000L;
    static final int ONE_SHOT = 0;
    static final int PERIODIC = 1;
    static final int TSC_DEADLINE = 2;
    /** As KVM's min_timer_period_us: a shorter periodic timer would only flood the vCPU. */
    static final long MIN_PERIOD_NANOS = 200_000;
    static final long NEVER = Long.MAX_VALUE;

    private final long tscHz;
    int mode;
    int initialCount;
    int divideConfig;
    /** The divider in force since the count started. */
    private long divide = 2;
    private long period;
    private boolean running;
    /** When the next expiry is due, or NEVER. */
    long deadline = NEVER;
    long tscDeadline;

    ApicTimer(long tscKhz) {
        this.tscHz = tscKhz * 1000;
    }

    void reset() {
        mode = ONE_SHOT;
        initialCount = 0;
        divideConfig = 0;
        divide = 2;
        period = 0;
        running = false;
        deadline = NEVER;
        tscDeadline = 0;
    }

    /** The guest's TSC at time-base instant {@code nanos}. */
    long tsc(long nanos) {
        return TimeSource.ticks(nanos, tscHz);
    }

    static long divisor(int config) {
        int value = (config & 3) | ((config & 8) >> 1);
        return value == 7 ? 1 : 2L << value;
    }

    /** A new LVT timer mode; switching into or out of TSC-deadline mode stops the timer (SDM 10.5.4.1). */
    void setMode(int newMode, long now) {
        if (newMode == 3) {
            newMode = ONE_SHOT; // reserved encoding
        }
        if ((newMode == TSC_DEADLINE) != (mode == TSC_DEADLINE)) {
            initialCount = 0;
            tscDeadline = 0;
            running = false;
            deadline = NEVER;
        }
        mode = newMode;
    }

    void writeInitialCount(int value, long now) {
        if (mode == TSC_DEADLINE) {
            return;
        }
        initialCount = value;
        if (value == 0) {
            running = false;
            deadline = NEVER;
            return;
        }
        divide = divisor(divideConfig);
        period = (value & 0xffff_ffffL) * divide * (1_000_000_000L / BUS_HZ);
        running = true;
        deadline = now + period;
    }

    int currentCount(long now) {
        if (mode == TSC_DEADLINE || !running || now >= deadline) {
            return 0;
        }
        long count = (deadline - now + divide - 1) / divide;
        return (int) Math.min(count, initialCount & 0xffff_ffffL);
    }

    /** A deadline {@code value} on a TSC that reads {@code tscNow} at instant {@code now}. */
    void writeTscDeadline(long value, long tscNow, long now) {
        if (mode != TSC_DEADLINE) {
            return; // the MSR is ignored outside TSC-deadline mode
        }
        tscDeadline = value;
        if (value == 0) {
            deadline = NEVER;
        } else {
            long ahead = value - tscNow;
            deadline = ahead <= 0 ? now : now + TimeSource.nanos(ahead, tscHz);
        }
    }

    /** Whether the timer expired by {@code now}; if so, sets up the next expiry (periodic) or stops. */
    boolean expire(long now) {
        if (now < deadline) {
            return false;
        }
        if (mode == PERIODIC && running) {
            long p = period;
            if (p < MIN_PERIOD_NANOS) {
                LOG.debug("apic timer: period of {} ns raised to {} ns", p, MIN_PERIOD_NANOS);
                p = MIN_PERIOD_NANOS;
            }
            long missed = (now - deadline) / p;
            deadline += (missed + 1) * p;
        } else {
            running = false;
            tscDeadline = 0;
            deadline = NEVER;
        }
        return true;
    }

    /** For saving: the time left to the deadline (so a restore on another host keeps it). */
    long remaining(long now) {
        return deadline == NEVER ? -1 : Math.max(0, deadline - now);
    }

    long period() {
        return period;
    }

    boolean running() {
        return running;
    }

    long divide() {
        return divide;
    }

    void restore(int mode, int initial, int divideConfig, long divide, long period, boolean running, long remaining,
            long tscDeadline, long now) {
        this.mode = mode;
        this.initialCount = initial;
        this.divideConfig = divideConfig;
        this.divide = divide <= 0 ? 2 : divide;
        this.period = period;
        this.running = running;
        this.tscDeadline = tscDeadline;
        this.deadline = remaining < 0 ? NEVER : now + remaining;
    }
}
