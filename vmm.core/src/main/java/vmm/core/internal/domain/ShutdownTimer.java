package vmm.core.internal.domain;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines of graceful shutdowns: one daemon thread, started by the first shutdown, runs
 * each deadline's action (the domain manager then gives up on a guest that has not powered off).
 */
final class ShutdownTimer {
    private ScheduledExecutorService timer;

    /** Runs {@code expired} once {@code timeout} has passed (unless closed first). */
    synchronized void arm(Duration timeout, Runnable expired) {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("vmm-domain-shutdown-timer").daemon().factory());
        }
        timer.schedule(expired, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Drops every pending deadline and the thread. */
    synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }

    /** A timeout as the log says it: whole seconds, or with a fraction when it has one. */
    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? Long.toString(d.toSeconds()) : Double.toString(d.toMillis() / 1000.0);
    }
}
