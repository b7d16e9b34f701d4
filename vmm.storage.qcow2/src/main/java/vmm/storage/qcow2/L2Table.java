package vmm.storage.qcow2;

import java.nio.ByteBuffer;

/**
 * One L2 table in memory: its entries and, with extended L2 entries, the subcluster bitmap
 * of each (bits 0-31 allocated, 32-63 reads-as-zero).
 */
final class L2Table {

    static final long COPIED = 1L << 63;
    static final long COMPRESSED = 1L << 62;
    static final long ZERO = 1L;
    static final long OFFSET_MASK = 0x00fffffffffffe00L;
    static final long ALL_ZERO_BITS = 0xffffffff00000000L;

    /** Stands for "no L2 table" in the lock-free lookup view: every entry reads as unallocated. */
    static final L2Table NONE = new L2Table(0, 0, false);


    final long offset;
    final long[] entries;
    final long[] bitmaps;
    boolean dirty;
    /** The active L1 index whose lookup slot holds this table, or -1; guarded by the metadata lock. */
    int activeIndex = -1;
    /**
     * Written after every change lock-free lookups ({@link ClusterMap#cachedTable}) may see, and
     * read by them before the entries: the volatile pair orders the entries' plain accesses.
     * Reading the entries may race with a change of the same entry, which is then seen either
     * before or after (longs are read and written whole on the 64-bit JVMs this runs on).
     */
    private volatile boolean published;

    L2Table(long offset, int count, boolean extended) {
        this.offset = offset;
        this.entries = new long[count];
        this.bitmaps = extended ? new long[count] : null;
    }

    static L2Table parse(long offset, byte[] raw, boolean extended) {
        int step = extended ? 16 : 8;
        L2Table t = new L2Table(offset, raw.length / step, extended);
        ByteBuffer b = ByteBuffer.wrap(raw);
        if (!extended) {
            // One bulk copy: the first lookups load tables while the code still runs interpreted.
            b.asLongBuffer().get(t.entries);
            return t;
        }
        for (int i = 0; i < t.entries.length; i++) {
            t.entries[i] = b.getLong(i * step);
            t.bitmaps[i] = b.getLong(i * step + 8);
        }
        return t;
    }

    L2Table copyTo(long newOffset) {
        L2Table t = new L2Table(newOffset, entries.length, bitmaps != null);
        System.arraycopy(entries, 0, t.entries, 0, entries.length);
        if (bitmaps != null) {
            System.arraycopy(bitmaps, 0, t.bitmaps, 0, bitmaps.length);
        }
        t.dirty = true;
        return t;
    }

    byte[] toBytes(int clusterSize) {
        ByteBuffer b = ByteBuffer.allocate(clusterSize);
        if (bitmaps == null) {
            b.asLongBuffer().put(entries);
            return b.array();
        }
        for (int i = 0; i < entries.length; i++) {
            b.putLong(i * 16, entries[i]);
            b.putLong(i * 16 + 8, bitmaps[i]);
        }
        return b.array();
    }

    /** Publishes changes to lock-free readers; called under the metadata lock after them. */
    void changed() {
        published = true;
    }

    /** Whether a reader without the metadata lock may use the entries. */
    boolean readable() {
        return published;
    }

    static boolean compressed(long entry) {
        return (entry & COMPRESSED) != 0;
    }

    static long hostOffset(long entry) {
        return entry & OFFSET_MASK;
    }
}
