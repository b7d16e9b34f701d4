package vmm.core.internal.timer;

import java.util.ArrayList;
import java.util.List;

/**
 * A clock and a {@link TimerService} that move only when a test says so: {@link #advance}
 * moves the clock and runs every timer whose deadline has passed, in deadline order.
 */
public final class ManualTime implements TimeSource, TimerService {
    private long now = 1_000_000_000L;
    private final List<ManualTimer> timers = new ArrayList<>();

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    /** Moves the clock by {@code nanos}, running due timers at their deadlines. */
    public void advance(long nanos) {
        long target;
        synchronized (this) {
            target = now + nanos;
        }
        while (true) {
            ManualTimer next = null;
            synchronized (this) {
                for (ManualTimer t : timers) {
                    if (t.deadline != Long.MAX_VALUE && t.deadline <= target
                            && (next == null || t.deadline < next.deadline)) {
                        next = t;
                    }
                }
                if (next == null) {
                    now = target;
                    return;
                }
                now = Math.max(now, next.deadline);
                next.deadline = Long.MAX_VALUE;
            }
            next.task.run();
        }
    }

    @Override
    public synchronized Timer newTimer(String name, Runnable task) {
        ManualTimer t = new ManualTimer(task);
        timers.add(t);
        return t;
    }

    @Override
    public synchronized void close() {
        timers.clear();
    }

    /** The earliest armed deadline, or Long.MAX_VALUE. */
    public synchronized long nextDeadline() {
        return timers.stream().mapToLong(t -> t.deadline).min().orElse(Long.MAX_VALUE);
    }

    private final class ManualTimer implements Timer {
        final Runnable task;
        long deadline = Long.MAX_VALUE;

        ManualTimer(Runnable task) {
            this.task = task;
        }

        @Override
        public void arm(long deadlineNanos) {
            synchronized (ManualTime.this) {
                deadline = deadlineNanos;
            }
        }

        @Override
        public void cancel() {
            synchronized (ManualTime.this) {
                deadline = Long.MAX_VALUE;
            }
        }
    }
}
