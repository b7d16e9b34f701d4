package vmm.storage.qcow2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and counts host clusters. Frees are queued, not applied: a cluster's counter only
 * drops once the metadata that referenced it is on disk ({@link #applyPendingFrees}), so a
 * crash can leak a cluster but never leave a reference to a cluster counted as free.
 * Callers hold the image's metadata lock.
 */
final class ClusterAllocator {

    private final RefcountTable refcounts;
    private final int clusterBits;
    private final int clusterSize;
    private long freeHint = 1;
    private final List<long[]> pendingFrees = new ArrayList<>();
    private RefcountTable.Reserved reserved = c -> false;
    /** Where the last compressed cluster ended, to pack the next one behind it; 0 for none. */
    private long compressedEnd;

    ClusterAllocator(RefcountTable refcounts, int clusterBits) {
        this.refcounts = refcounts;
        this.clusterBits = clusterBits;
        this.clusterSize = 1 << clusterBits;
    }

    RefcountTable refcounts() {
        return refcounts;
    }

    /** While rebuilding, clusters referenced by metadata but not yet counted must not be handed out. */
    void setReserved(RefcountTable.Reserved r) {
        this.reserved = r == null ? c -> false : r;
        freeHint = 1;
    }

    private boolean free(long c) throws IOException {
        return c > 0 && refcounts.get(c) == 0 && !reserved.reserved(c);
    }

    /** Allocates {@code n} contiguous clusters with refcount 1 and returns the host offset of the first. */
    long allocate(int n) throws IOException {
        while (true) {
            long start = freeHint;
            int run = 0;
            while (run < n) {
                if (free(start + run)) {
                    run++;
                } else {
                    start = start + run + 1;
                    run = 0;
                }
            }
            boolean created = false;
            long bLast = (start + n - 1) / refcounts.perBlock();
            for (long bi = start / refcounts.perBlock(); bi <= bLast; bi++) {
                if (!refcounts.blockExists(bi)) {
                    refcounts.ensureBlock(bi, reserved);
                    created = true;
                }
            }
            if (created) {
                continue;
            }
            for (long c = start; c < start + n; c++) {
                refcounts.set(c, 1);
            }
            if (n == 1 || start == freeHint) {
                freeHint = start + n;
            }
            return start << clusterBits;
        }
    }

    /**
     * Allocates {@code length} bytes (at most two clusters) for a compressed cluster, packing
     * it behind the previous one when it fits in the same or the directly following cluster,
     * as QEMU does. Each host cluster the bytes touch gets one more reference.
     */
    long allocateBytes(int length) throws IOException {
        if (compressedEnd != 0 && (compressedEnd & (clusterSize - 1)) != 0) {
            long off = compressedEnd;
            long firstCluster = off >>> clusterBits;
            long lastCluster = (off + length - 1) >>> clusterBits;
            long rc = refcounts.get(firstCluster);
            if (lastCluster == firstCluster && rc > 0 && rc < refcounts.maxRefcount()) {
                refcounts.add(firstCluster, 1);
                compressedEnd = align512(off + length);
                return off;
            }
        }
        int clusters = (length + clusterSize - 1) >>> clusterBits;
        long off = allocate(clusters);
        compressedEnd = align512(off + length);
        return off;
    }

    private static long align512(long v) {
        return (v + 511) & ~511L;
    }

    /** Increments without allocating (snapshots share clusters). */
    void reference(long hostOffset) throws IOException {
        refcounts.add(hostOffset >>> clusterBits, 1);
    }

    /** Queues one reference drop for each cluster of the range. */
    void freeLater(long hostOffset, long length) {
        pendingFrees.add(new long[] {hostOffset, length});
    }

    boolean hasPendingFrees() {
        return !pendingFrees.isEmpty();
    }

    /** Applies queued frees; the caller has made the metadata that dropped the references durable. */
    void applyPendingFrees() throws IOException {
        for (long[] f : pendingFrees) {
            decrement(f[0], f[1]);
        }
        pendingFrees.clear();
    }

    private void decrement(long hostOffset, long length) throws IOException {
        long first = hostOffset >>> clusterBits;
        long last = (hostOffset + length - 1) >>> clusterBits;
        for (long c = first; c <= last; c++) {
            long cur = refcounts.get(c);
            if (cur > 0) {
                refcounts.set(c, cur - 1);
                if (cur == 1 && c < freeHint) {
                    freeHint = Math.max(1, c);
                }
                if (cur == 1 && (compressedEnd >>> clusterBits) == c) {
                    compressedEnd = 0;
                }
            }
        }
    }

    /** Drops a reference right away (for clusters nothing on disk points to yet). */
    void freeNow(long hostOffset, long length) throws IOException {
        decrement(hostOffset, length);
    }
}
