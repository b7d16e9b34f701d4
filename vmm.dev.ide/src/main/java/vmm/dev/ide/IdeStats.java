package vmm.dev.ide;

import java.util.concurrent.atomic.AtomicLong;

/** What a controller's channels did, for tests and monitors: sectors by PIO and by DMA, flushes, failed commands. */
record IdeStats(AtomicLong pioSectors, AtomicLong dmaSectors, AtomicLong flushes, AtomicLong errors) {
    IdeStats() {
        this(new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong());
    }
}
