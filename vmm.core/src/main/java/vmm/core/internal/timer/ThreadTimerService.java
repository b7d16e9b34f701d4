package vmm.core.internal.timer;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link TimerService}: one daemon thread per platform
 * ({@code vmm-platform-timers}) that sleeps until the nearest armed deadline. A device task
 * that throws is logged and the thread carries on, so one faulty model cannot stop the
 * others' clocks.
 */
public final class ThreadTimerService implements TimerService {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadTimerService.class);

    private final TimeSource time;
    private final ScheduledThreadPoolExecutor executor;

    public ThreadTimerService(TimeSource time, String threadName) {
        this.time = time;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public Timer newTimer(String name, Runnable task) {
        return new ThreadTimer(name, task);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    private final class ThreadTimer implements Timer {
        private final String name;
        private final Runnable task;
        private ScheduledFuture<?> pending;

        ThreadTimer(String name, Runnable task) {
            this.name = name;
            this.task = task;
        }

        @Override
        public synchronized void arm(long deadlineNanos) {
            if (pending != null) {
                pending.cancel(false);
            }
            if (executor.isShutdown()) {
                pending = null;
                return;
            }
            long delay = Math.max(0, deadlineNanos - time.nanoTime());
            pending = executor.schedule(this::run, delay, TimeUnit.NANOSECONDS);
        }

        private void run() {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("platform timer {} failed", name, e);
            }
        }

        @Override
        public synchronized void cancel() {
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }
    }
}
