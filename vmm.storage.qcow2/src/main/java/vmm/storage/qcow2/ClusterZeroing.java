package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Making guest clusters read as zeroes (write-zeroes, discard) or drop their mapping (commit's
 * "make empty"): metadata-only where the format allows, a zero-filled write otherwise.
 */
final class ClusterZeroing {

    private final Qcow2Image img;
    private final ClusterIO io;

    ClusterZeroing(Qcow2Image img, ClusterIO io) {
        this.img = img;
        this.io = io;
    }

    /** Makes part of a cluster read as zeroes; whole clusters (or subclusters) without writing data. */
    void zeroCluster(long gc, int inC, int len, boolean discard) throws IOException {
        img.meta.lock();
        try {
            img.prepareMetadataWrite();
            boolean v3 = img.header.version >= 3;
            boolean raw = (img.header.autoclearFeatures & Qcow2Header.AUTOCLEAR_DATA_FILE_RAW) != 0;
            ClusterIO.Mapping m = io.lookupLocked(gc);
            if (inC == 0 && len == io.clusterSize && !raw && img.encryption == null) {
                long e = m.entry();
                if (e == 0 && m.bitmap() == 0 && img.backing == null) {
                    return;
                }
                if (v3 || img.backing == null) {
                    L2Table t = img.map.writableTable(gc);
                    int i = (int) (gc % img.map.l2Entries());
                    boolean needZero = img.backing != null || !discard;
                    if (io.extended) {
                        t.entries[i] = 0;
                        t.bitmaps[i] = needZero ? L2Table.ALL_ZERO_BITS : 0;
                    } else {
                        t.entries[i] = needZero && v3 ? L2Table.ZERO : 0;
                    }
                    t.dirty = true;
                    io.releaseOld(e, -1);
                    return;
                }
            }
            if (io.extended && !raw && img.encryption == null && inC % io.subclusterSize == 0
                    && len % io.subclusterSize == 0 && io.hasHost(m.entry())
                    && (m.entry() & L2Table.COPIED) != 0 && !L2Table.compressed(m.entry())) {
                L2Table t = img.map.writableTable(gc);
                int i = (int) (gc % img.map.l2Entries());
                long bits = 0;
                for (int sc = inC / io.subclusterSize; sc < (inC + len) / io.subclusterSize; sc++) {
                    bits |= 1L << sc;
                }
                t.bitmaps[i] = (t.bitmaps[i] & ~bits) | (bits << 32);
                t.dirty = true;
                return;
            }
            if (io.extended && !raw && img.encryption == null && inC % io.subclusterSize == 0
                    && len % io.subclusterSize == 0 && m.entry() == 0) {
                // No host cluster yet: zero bits alone say "reads as zeroes".
                L2Table t = img.map.writableTable(gc);
                int i = (int) (gc % img.map.l2Entries());
                for (int sc = inC / io.subclusterSize; sc < (inC + len) / io.subclusterSize; sc++) {
                    t.bitmaps[i] |= 1L << (32 + sc);
                }
                t.dirty = true;
                return;
            }
            io.allocatingWrite(gc, inC, ByteBuffer.wrap(new byte[len]));
        } finally {
            img.meta.unlock();
        }
    }

    /**
     * Drops a guest cluster's mapping, so that it reads through to the backing file again
     * (commit's "make empty"); unlike discard it never leaves a zero cluster behind.
     */
    void deallocateCluster(long gc) throws IOException {
        img.meta.lock();
        try {
            ClusterIO.Mapping m = io.lookupLocked(gc);
            if (m.entry() == 0 && m.bitmap() == 0) {
                return;
            }
            img.prepareMetadataWrite();
            L2Table t = img.map.writableTable(gc);
            int i = (int) (gc % img.map.l2Entries());
            t.entries[i] = 0;
            if (io.extended) {
                t.bitmaps[i] = 0;
            }
            t.dirty = true;
            io.releaseOld(m.entry(), -1);
        } finally {
            img.meta.unlock();
        }
    }
}
