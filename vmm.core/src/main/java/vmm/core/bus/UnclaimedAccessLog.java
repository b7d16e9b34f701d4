package vmm.core.bus;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;

/**
 * Debug log of accesses nobody claimed, at most {@value #PER_SECOND} lines a second: a guest
 * probing absent hardware (Linux scans every legacy port) or spinning on an absent register
 * would otherwise flood the log from the vCPU's hot path.
 */
final class UnclaimedAccessLog {
    static final int PER_SECOND = 20;
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final Logger log;
    private final String busName;
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private final AtomicInteger inWindow = new AtomicInteger();
    private final AtomicLong suppressed = new AtomicLong();
    private final AtomicLong total = new AtomicLong();

    UnclaimedAccessLog(Logger log, String busName) {
        this.log = log;
        this.busName = busName;
    }

    void record(String kind, long address, int size) {
        total.incrementAndGet();
        if (!log.isDebugEnabled()) {
            return;
        }
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start > WINDOW_NANOS && windowStart.compareAndSet(start, now)) {
            inWindow.set(0);
            long dropped = suppressed.getAndSet(0);
            if (dropped > 0) {
                log.debug("{}: {} more unclaimed accesses not logged", busName, dropped);
            }
        }
        if (inWindow.incrementAndGet() <= PER_SECOND) {
            log.debug("{}: unclaimed {} of {} bytes at 0x{}", busName, kind, size, Long.toHexString(address));
        } else {
            suppressed.incrementAndGet();
        }
    }

    /** How many unclaimed accesses there were, logged or not. */
    long total() {
        return total.get();
    }
}
