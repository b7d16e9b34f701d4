package vmm.dev.virtio.device;

import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;

/**
 * A guest can make a device fail as often as it likes: log the first few of each kind, then
 * say once that the rest are suppressed, so a hostile guest cannot flood the host's log.
 */
public final class RateLimitedLog {
    private static final int LIMIT = 10;
    private final Logger log;
    private final AtomicInteger count = new AtomicInteger();

    public RateLimitedLog(Logger log) {
        this.log = log;
    }

    public void warn(String format, Object... args) {
        int n = count.incrementAndGet();
        if (n <= LIMIT) {
            log.warn(format, args);
            if (n == LIMIT) {
                log.warn("further messages of this kind are suppressed");
            }
        }
    }
}
