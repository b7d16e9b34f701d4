package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.LinkedHashMap;

import vmm.core.block.CorruptImageException;

/**
 * The active L1 table and a write-back cache of L2 tables. Dirty L2 tables reach the disk
 * only after the refcounts of the clusters they point to ({@link Ordering#beforeL2Write}),
 * and the L1 table only after its L2 tables. Callers hold the image's metadata lock, except
 * for {@link #cachedTable}, which lets reads and in-place writes find their cluster without it.
 */
final class ClusterMap {

    interface Ordering {
        /** Makes refcount changes durable before an L2 table referencing new clusters is written. */
        void beforeL2Write() throws IOException;
    }

    private static final long CACHE_BYTES = 32L << 20;

    private final ImageFile file;
    private final Qcow2Header header;
    private final ClusterAllocator allocator;
    private final Ordering ordering;
    private final MetadataGuard guard;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Entries;
    private final boolean extended;
    long[] l1;
    private final BitSet l1Dirty = new BitSet();
    private final LinkedHashMap<Long, L2Table> cache = new LinkedHashMap<>(64, 0.75f, true);
    /**
     * Lock-free view of the active L1: per index the cached L2 table ({@link L2Table#NONE} when
     * the L1 entry is empty), null when not known. Every lookup taking the metadata lock would
     * otherwise serialize all I/O on it. A slot only ever names the table object that later
     * changes are made to; it is cleared when that table leaves the cache, and reset wholesale
     * after anything that rewrites the L1 table in place.
     */
    private volatile L2Table[] active;

    ClusterMap(ImageFile file, Qcow2Header header, ClusterAllocator allocator, Ordering ordering,
            MetadataGuard guard) throws IOException {
        this.guard = guard;
        this.file = file;
        this.header = header;
        this.allocator = allocator;
        this.ordering = ordering;
        this.clusterBits = header.clusterBits;
        this.clusterSize = header.clusterSize();
        this.l2Entries = header.l2Entries();
        this.extended = header.extendedL2();
        this.l1 = readL1(file, header.l1TableOffset, header.l1Size, header.clusterSize(), "L1 table");
        this.active = new L2Table[l1.length];
    }

    static long[] readL1(ImageFile file, long offset, int size, int clusterSize, String what) throws IOException {
        long[] t = new long[size];
        if (size == 0) {
            return t;
        }
        ByteBuffer b = ByteBuffer.wrap(file.readMetadata(offset, size * 8, what));
        for (int i = 0; i < size; i++) {
            long e = b.getLong(i * 8);
            long off = e & L2Table.OFFSET_MASK;
            if ((off & (clusterSize - 1)) != 0) {
                throw new CorruptImageException(file.path() + ": " + what + " entry " + i + " points to unaligned offset 0x"
                        + Long.toHexString(off));
            }
            t[i] = e;
        }
        return t;
    }

    int l2Entries() {
        return l2Entries;
    }

    /** The L2 table for a guest cluster, or null when none is allocated. */
    L2Table table(long guestCluster) throws IOException {
        long l1Index = guestCluster / l2Entries;
        if (l1Index >= l1.length) {
            return null;
        }
        long off = l1[(int) l1Index] & L2Table.OFFSET_MASK;
        L2Table t = off == 0 ? null : load(off);
        publish((int) l1Index, t);
        return t;
    }

    /**
     * Without the metadata lock: the cached L2 table for a guest cluster, {@link L2Table#NONE}
     * when none is allocated, or null when the caller must take the lock and use {@link #table}.
     */
    L2Table cachedTable(long guestCluster) {
        L2Table[] a = active;
        long l1Index = guestCluster / l2Entries;
        if (l1Index >= a.length) {
            return L2Table.NONE;
        }
        // A plain read, racing with publish(): a table seen before it was published fails
        // readable(), and the caller falls back to the lock. (Plain, as VarHandle and atomic
        // array accesses cost several times more while the code still runs interpreted.)
        L2Table t = a[(int) l1Index];
        return t == null || t == L2Table.NONE || t.readable() ? t : null;
    }

    private void publish(int l1Index, L2Table t) {
        L2Table[] a = active;
        if (l1Index >= a.length) {
            return;
        }
        if (t == null) {
            a[l1Index] = L2Table.NONE;
            return;
        }
        t.activeIndex = l1Index;
        t.changed();
        a[l1Index] = t;
    }

    /** Forgets the lock-free view (after the L1 table or the cache changed behind its back). */
    void resetActive() {
        active = new L2Table[l1.length];
    }

    L2Table load(long off) throws IOException {
        L2Table t = cache.get(off);
        if (t == null) {
            if (off < clusterSize) {
                throw new CorruptImageException(file.path() + ": L2 table at offset " + off + " overlaps the header");
            }
            t = L2Table.parse(off, file.readMetadata(off, clusterSize, "L2 table"), extended);
            cache.put(off, t);
            evict();
        }
        return t;
    }

    private void evict() throws IOException {
        while ((long) cache.size() * clusterSize > CACHE_BYTES && cache.size() > 4) {
            var it = cache.entrySet().iterator();
            L2Table victim = it.next().getValue();
            if (victim.dirty) {
                ordering.beforeL2Write();
                file.write(victim.offset, victim.toBytes(clusterSize));
                victim.dirty = false;
            }
            if (victim.activeIndex >= 0) {
                // Later changes go to a fresh copy loaded from disk; lookups must not keep using this one.
                L2Table[] a = active;
                if (victim.activeIndex < a.length && a[victim.activeIndex] == victim) {
                    a[victim.activeIndex] = null;
                }
                victim.activeIndex = -1;
            }
            it.remove();
        }
    }

    /**
     * The L2 table for a guest cluster, ready to modify: allocated when absent, copied when
     * shared with a snapshot (the old copy's reference is dropped once the L1 is on disk).
     */
    L2Table writableTable(long guestCluster) throws IOException {
        int l1Index = (int) (guestCluster / l2Entries);
        long e = l1[l1Index];
        long off = e & L2Table.OFFSET_MASK;
        if (off != 0 && (e & L2Table.COPIED) != 0) {
            L2Table t = load(off);
            publish(l1Index, t);
            return t;
        }
        long newOff = allocator.allocate(1);
        guard.add(newOff);
        L2Table t;
        if (off == 0) {
            t = new L2Table(newOff, l2Entries, extended);
            t.dirty = true;
        } else {
            t = load(off).copyTo(newOff);
            allocator.freeLater(off, clusterSize);
        }
        cache.put(newOff, t);
        l1[l1Index] = newOff | L2Table.COPIED;
        l1Dirty.set(l1Index);
        evict();
        publish(l1Index, t);
        return t;
    }

    void markL1Dirty(int index) {
        l1Dirty.set(index);
    }

    boolean dirty() {
        return !l1Dirty.isEmpty() || cache.values().stream().anyMatch(t -> t.dirty);
    }

    /** Writes dirty L2 tables, then (after a barrier) the dirty part of the L1 table. */
    void writeDirty() throws IOException {
        boolean any = false;
        for (L2Table t : cache.values()) {
            if (t.dirty) {
                if (!any) {
                    ordering.beforeL2Write();
                    any = true;
                }
                file.write(t.offset, t.toBytes(clusterSize));
                t.dirty = false;
            }
        }
        if (!l1Dirty.isEmpty()) {
            if (any) {
                file.force();
            }
            int from = l1Dirty.nextSetBit(0);
            int to = l1Dirty.previousSetBit(l1.length - 1) + 1;
            ByteBuffer b = ByteBuffer.allocate((to - from) * 8);
            for (int i = from; i < to; i++) {
                b.putLong((i - from) * 8, l1[i]);
            }
            file.write(header.l1TableOffset + (long) from * 8, b);
            l1Dirty.clear();
        }
    }

    /** Replaces the L1 table (resize, snapshot revert): the caller has written the new one. */
    void replaceL1(long[] newL1) {
        l1 = newL1;
        l1Dirty.clear();
        resetActive();
    }

    void dropCache() {
        cache.clear();
        resetActive();
    }
}
