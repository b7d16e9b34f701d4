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

    final long offset;
    final long[] entries;
    final long[] bitmaps;
    boolean dirty;

    L2Table(long offset, int count, boolean extended) {
        this.offset = offset;
        this.entries = new long[count];
        this.bitmaps = extended ? new long[count] : null;
    }

    static L2Table parse(long offset, byte[] raw, boolean extended) {
        int step = extended ? 16 : 8;
        L2Table t = new L2Table(offset, raw.length / step, extended);
        ByteBuffer b = ByteBuffer.wrap(raw);
        for (int i = 0; i < t.entries.length; i++) {
            t.entries[i] = b.getLong(i * step);
            if (extended) {
                t.bitmaps[i] = b.getLong(i * step + 8);
            }
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
        int step = bitmaps != null ? 16 : 8;
        for (int i = 0; i < entries.length; i++) {
            b.putLong(i * step, entries[i]);
            if (bitmaps != null) {
                b.putLong(i * step + 8, bitmaps[i]);
            }
        }
        return b.array();
    }

    static boolean compressed(long entry) {
        return (entry & COMPRESSED) != 0;
    }

    static long hostOffset(long entry) {
        return entry & OFFSET_MASK;
    }
}
