package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host clusters that hold metadata, so that a data write can never land on them. A hostile
 * (or corrupt) L2 entry may point at the header, an L1/L2 table or a refcount block; QEMU's
 * "metadata overlap check" refuses such writes, and so does this. The set is rebuilt lazily
 * after anything that moves or frees metadata.
 */
final class MetadataGuard {

    private final Qcow2Image img;
    private volatile Set<Long> clusters;

    MetadataGuard(Qcow2Image img) {
        this.img = img;
    }

    void invalidate() {
        clusters = null;
    }

    /** Records a newly allocated metadata cluster (called under the metadata lock). */
    void add(long offset) {
        Set<Long> s = clusters;
        if (s != null) {
            s.add(offset >>> img.clusterBits);
        }
    }

    /** Throws when a data write to {@code host} (length bytes) would overwrite metadata. */
    void checkDataWrite(long host, int length, long guestOffset) throws IOException {
        if (img.header.hasDataFile()) {
            return;
        }
        Set<Long> s = clusters;
        if (s == null) {
            img.meta.lock();
            try {
                s = clusters;
                if (s == null) {
                    s = build();
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
        Set<Long> s = ConcurrentHashMap.newKeySet();
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
}
