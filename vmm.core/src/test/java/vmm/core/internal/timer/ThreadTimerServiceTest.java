package vmm.core.internal.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ThreadTimerServiceTest {

    @Test
    void runsAtTheDeadlineReArmsAndStopsOnClose() throws InterruptedException {
        ThreadTimerService service = new ThreadTimerService(TimeSource.SYSTEM, "test-timers");
        CountDownLatch fired = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        TimerService.Timer timer = service.newTimer("t", () -> {
            runs.incrementAndGet();
            fired.countDown();
        });
        long start = System.nanoTime();
        timer.arm(start + 20_000_000);
        assertTrue(fired.await(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start >= 19_000_000, "not early");
        timer.arm(System.nanoTime() + 50_000_000);
        timer.arm(System.nanoTime() + 10_000_000); // replaces the first
        Thread.sleep(150);
        assertEquals(2, runs.get());
        TimerService.Timer failing = service.newTimer("bad", () -> {
            throw new IllegalStateException("a device bug");
        });
        failing.arm(System.nanoTime());
        timer.arm(System.nanoTime() + 5_000_000);
        Thread.sleep(100);
        assertEquals(3, runs.get(), "a failing task does not stop the thread");
        service.close();
        timer.arm(System.nanoTime());
        Thread.sleep(50);
        assertEquals(3, runs.get());
        timer.cancel();
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("test-timers") && t.isAlive() && t.getState() == Thread.State.RUNNABLE));
    }
}
