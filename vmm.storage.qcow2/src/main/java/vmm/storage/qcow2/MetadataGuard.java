package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The host clusters that hold metadata, so that a data write can never land on them. A hostile
 * (or corrupt) L2 entry may point at the header, an L1/L2 table or a refcount block; QEMU's
 * "metadata overlap check" refuses such writes, and so does this. The set is rebuilt lazily
 * after anything that moves or frees metadata.
 */
final class MetadataGuard {

    private final Qcow2Image img;
    /** Immutable once published: every data write probes it, so it is a flat table of primitives. */
    private volatile ClusterSet clusters;

    MetadataGuard(Qcow2Image img) {
        this.img = img;
    }

    void invalidate() {
        clusters = null;
    }

    /** Records a newly allocated metadata cluster (called under the metadata lock). */
    void add(long offset) {
        ClusterSet s = clusters;
        if (s != null) {
            // Copied, not changed in place: writers read it without a lock. New metadata clusters are rare.
            clusters = s.with(offset >>> img.clusterBits);
        }
    }

    /** Throws when a data write to {@code host} (length bytes) would overwrite metadata. */
    void checkDataWrite(long host, int length, long guestOffset) throws IOException {
        if (img.header.hasDataFile()) {
            return;
        }
        ClusterSet s = clusters;
        if (s == null) {
            img.meta.lock();
            try {
                s = clusters;
                if (s == null) {
                    s = new ClusterSet(build());
                    clusters = s;
                }
            } finally {
                img.meta.unlock();
            }
        }
        for (long c = host >>> img.clusterBits; c <= (host + length - 1) >>> img.clusterBits; c++) {
            if (s.contains(c)) {
                throw img.corrupt("L2 entry for guest offset " + guestOffset + " points to host cluster " + c
                        + ", which holds metadata; refusing to write");
            }
        }
    }

    private Set<Long> build() throws IOException {
        Set<Long> s = new HashSet<>();
        Qcow2Header h = img.header;
        s.add(0L);
        range(s, h.l1TableOffset, (long) h.l1Size * 8);
        range(s, img.refcounts.tableOffset(), (long) img.refcounts.tableClusters() << img.clusterBits);
        for (long b : img.refcounts.blockOffsets()) {
            if (b != 0) {
                s.add(b >>> img.clusterBits);
            }
        }
        for (long e : img.map.l1) {
            long l2 = e & L2Table.OFFSET_MASK;
            if (l2 != 0) {
                s.add(l2 >>> img.clusterBits);
            }
        }
        if (h.nbSnapshots > 0) {
            range(s, h.snapshotsOffset, img.snapshots.tableBytes());
            for (SnapshotEntry e : img.snapshots.entries()) {
                range(s, e.l1Offset(), (long) e.l1Size() * 8);
            }
        }
        HeaderExtension crypt = h.extension(HeaderExtension.FULL_DISK_ENCRYPTION);
        if (crypt != null && crypt.data().length >= 16) {
            ByteBuffer b = ByteBuffer.wrap(crypt.data());
            range(s, b.getLong(0), b.getLong(8));
        }
        return s;
    }

    private void range(Set<Long> s, long offset, long length) {
        if (length <= 0) {
            return;
        }
        for (long c = offset >>> img.clusterBits; c <= (offset + length - 1) >>> img.clusterBits; c++) {
            s.add(c);
        }
    }

    /** An open-addressing set of cluster numbers (never negative; -1 marks a free slot). */
    private static final class ClusterSet {
        private final long[] slots;
        private final int size;

        ClusterSet(Set<Long> members) {
            int cap = Integer.highestOneBit(Math.max(4, members.size() * 2 + 1)) << 1;
            slots = new long[cap];
            Arrays.fill(slots, -1);
            for (long c : members) {
                insert(c);
            }
            size = members.size();
        }

        private ClusterSet(long[] slots, int size) {
            this.slots = slots;
            this.size = size;
        }

        private static int hash(long c, int mask) {
            long h = c * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 32) & mask;
        }

        private boolean insert(long c) {
            int mask = slots.length - 1;
            for (int i = hash(c, mask);; i = (i + 1) & mask) {
                if (slots[i] == c) {
                    return false;
                }
                if (slots[i] == -1) {
                    slots[i] = c;
                    return true;
                }
            }
        }

        boolean contains(long c) {
            int mask = slots.length - 1;
            for (int i = hash(c, mask);; i = (i + 1) & mask) {
                long v = slots[i];
                if (v == c) {
                    return true;
                }
                if (v == -1) {
                    return false;
                }
            }
        }

        ClusterSet with(long c) {
            if (contains(c)) {
                return this;
            }
            if ((size + 1) * 2 >= slots.length) {
                Set<Long> all = new HashSet<>();
                for (long v : slots) {
                    if (v != -1) {
                        all.add(v);
                    }
                }
                all.add(c);
                return new ClusterSet(all);
            }
            ClusterSet copy = new ClusterSet(slots.clone(), size + 1);
            copy.insert(c);
            return copy;
        }
    }
}
