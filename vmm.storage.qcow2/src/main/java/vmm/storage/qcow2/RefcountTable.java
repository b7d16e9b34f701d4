package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import vmm.core.block.CorruptImageException;

/**
 * The two-level refcount structure: a table of refcount block offsets and the blocks,
 * each holding one 1..64-bit counter per host cluster. Blocks are cached write-back; a dirty
 * block only ever holds increments until {@link #writeDirty()} (the image defers decrements
 * until the references are gone from disk), so writing one out early is always safe.
 */
final class RefcountTable {

    /** Rewrites the header fields that locate the table and makes them durable. */
    interface TableMoved {
        void moved(long offset, int clusters) throws IOException;
    }

    private static final long CACHE_BYTES = 16L << 20;

    private final ImageFile file;
    private final int clusterBits;
    private final int clusterSize;
    private final int refcountOrder;
    private final long maxRefcount;
    private final int perBlockBits;
    private final TableMoved tableMoved;
    private final Runnable layoutChanged;
    private long tableOffset;
    private int tableClusters;
    private long[] table;
    private final LinkedHashMap<Long, Block> cache = new LinkedHashMap<>(64, 0.75f, true);
    /**
     * The block used last, as allocations hit the same block over and over: saves the map
     * lookup (and its boxing). Always also in {@link #cache}; forgotten whenever that changes.
     */
    private Block last;

    private static final class Block {
        final long offset;
        final byte[] data;
        boolean dirty;

        Block(long offset, byte[] data) {
            this.offset = offset;
            this.data = data;
        }
    }

    RefcountTable(ImageFile file, Qcow2Header h, TableMoved tableMoved, Runnable layoutChanged) throws IOException {
        this.layoutChanged = layoutChanged;
        this.file = file;
        this.clusterBits = h.clusterBits;
        this.clusterSize = h.clusterSize();
        this.refcountOrder = h.refcountOrder;
        this.maxRefcount = refcountOrder == 6 ? Long.MAX_VALUE : (1L << (1 << refcountOrder)) - 1;
        this.perBlockBits = clusterBits + 3 - refcountOrder;
        this.tableMoved = tableMoved;
        this.tableOffset = h.refcountTableOffset;
        this.tableClusters = h.refcountTableClusters;
        byte[] raw = file.readMetadata(tableOffset, tableClusters * clusterSize, "refcount table");
        ByteBuffer b = ByteBuffer.wrap(raw);
        table = new long[raw.length / 8];
        for (int i = 0; i < table.length; i++) {
            long e = b.getLong(i * 8);
            if ((e & 0x1ffL) != 0 || (e & (clusterSize - 1)) != 0 || e < 0) {
                throw new CorruptImageException(file.path() + ": refcount table entry " + i + " (0x"
                        + Long.toHexString(e) + ") is not cluster aligned");
            }
            if (e != 0 && e + clusterSize > file.size()) {
                throw new CorruptImageException(file.path() + ": refcount block " + i + " at offset " + e
                        + " lies past the end of the file");
            }
            table[i] = e;
        }
    }

    long maxRefcount() {
        return maxRefcount;
    }

    int perBlock() {
        return 1 << perBlockBits;
    }

    long tableOffset() {
        return tableOffset;
    }

    int tableClusters() {
        return tableClusters;
    }

    /** Offsets of the refcount blocks, indexed by block number (0 when absent). */
    long[] blockOffsets() {
        return table.clone();
    }

    /** Host clusters the table can describe. */
    long coveredClusters() {
        return (long) table.length << perBlockBits;
    }

    boolean blockExists(long blockIndex) {
        return blockIndex < table.length && table[(int) blockIndex] != 0;
    }

    long get(long cluster) throws IOException {
        long bi = cluster >>> perBlockBits;
        if (!blockExists(bi)) {
            return 0;
        }
        return read(block(bi).data, (int) (cluster & ((1L << perBlockBits) - 1)));
    }

    /** Sets a counter whose block must exist ({@link #ensureBlock}). */
    void set(long cluster, long value) throws IOException {
        if (value < 0 || Long.compareUnsigned(value, maxRefcount) > 0) {
            throw new IOException(file.path() + ": refcount of cluster " + cluster + " would overflow ("
                    + (1 << refcountOrder) + "-bit refcounts)");
        }
        long bi = cluster >>> perBlockBits;
        if (!blockExists(bi)) {
            throw new IllegalStateException("no refcount block for cluster " + cluster);
        }
        Block b = block(bi);
        write(b.data, (int) (cluster & ((1L << perBlockBits) - 1)), value);
        b.dirty = true;
    }

    void add(long cluster, long delta) throws IOException {
        ensureBlock(cluster >>> perBlockBits, c -> false);
        long cur = get(cluster);
        if (cur + delta < 0) {
            throw new CorruptImageException(file.path() + ": refcount of cluster " + cluster
                    + " would drop below zero");
        }
        set(cluster, cur + delta);
    }

    private Block block(long bi) throws IOException {
        long off = table[(int) bi];
        Block b = last;
        if (b != null && b.offset == off) {
            return b;
        }
        b = cache.get(off);
        if (b == null) {
            // A constant description: a string concatenation here is bootstrapped on the first allocation, costing milliseconds.
            b = new Block(off, file.readMetadata(off, clusterSize, "refcount block"));
            cache.put(off, b);
            evict();
        }
        last = b;
        return b;
    }

    private void evict() throws IOException {
        while ((long) cache.size() * clusterSize > CACHE_BYTES && cache.size() > 4) {
            last = null;
            var it = cache.entrySet().iterator();
            Block victim = it.next().getValue();
            if (victim.dirty) {
                file.write(victim.offset, victim.data);
            }
            it.remove();
        }
    }

    private long read(byte[] d, int i) {
        return switch (refcountOrder) {
            case 0, 1, 2 -> {
                int bits = 1 << refcountOrder;
                int bitPos = i * bits;
                yield (d[bitPos >>> 3] >>> (bitPos & 7)) & ((1 << bits) - 1);
            }
            case 3 -> d[i] & 0xffL;
            case 4 -> ((d[2 * i] & 0xff) << 8) | (d[2 * i + 1] & 0xff);
            case 5 -> Integer.toUnsignedLong(ByteBuffer.wrap(d).getInt(4 * i));
            default -> ByteBuffer.wrap(d).getLong(8 * i);
        };
    }

    private void write(byte[] d, int i, long v) {
        switch (refcountOrder) {
            case 0, 1, 2 -> {
                int bits = 1 << refcountOrder;
                int bitPos = i * bits;
                int mask = ((1 << bits) - 1) << (bitPos & 7);
                d[bitPos >>> 3] = (byte) ((d[bitPos >>> 3] & ~mask) | (((int) v << (bitPos & 7)) & mask));
            }
            case 3 -> d[i] = (byte) v;
            case 4 -> {
                d[2 * i] = (byte) (v >>> 8);
                d[2 * i + 1] = (byte) v;
            }
            case 5 -> ByteBuffer.wrap(d).putInt(4 * i, (int) v);
            default -> ByteBuffer.wrap(d).putLong(8 * i, v);
        }
    }

    /** Clusters a refcount-block-creation must not take (used while rebuilding refcounts). */
    interface Reserved {
        boolean reserved(long cluster);
    }

    /**
     * Makes sure the block covering {@code blockIndex} exists. A new block is placed inside
     * its own range (all of which is free, having no counters) and counts itself; it is
     * written before the table entry that points to it.
     */
    void ensureBlock(long blockIndex, Reserved reserved) throws IOException {
        if (blockExists(blockIndex)) {
            return;
        }
        if (blockIndex >= table.length) {
            grow(blockIndex, reserved);
            if (blockExists(blockIndex)) {
                return;
            }
        }
        long first = blockIndex << perBlockBits;
        long c = first;
        while (reserved.reserved(c) || c == 0) {
            c++;
        }
        if (c >= first + perBlock()) {
            throw new IOException(file.path() + ": no room for a refcount block");
        }
        byte[] data = new byte[clusterSize];
        write(data, (int) (c - first), 1);
        long off = c << clusterBits;
        file.write(off, data);
        // The block must be on disk before the table points to it, or a crash leaves garbage counts.
        file.force();
        table[(int) blockIndex] = off;
        file.write(tableOffset + blockIndex * 8, ByteBuffer.allocate(8).putLong(0, off));
        cache.put(off, new Block(off, data));
        last = null;
        layoutChanged.run();
        evict();
    }

    /**
     * Moves the table to a larger one at the end of the covered range, together with the
     * blocks that count the new table, then points the header at it and frees the old one.
     */
    private void grow(long neededIndex, Reserved reserved) throws IOException {
        int oldEntries = table.length;
        long start = (long) oldEntries << perBlockBits;
        while (reserved.reserved(start)) {
            start++;
        }
        long entries = Math.max(neededIndex + 1, oldEntries + (oldEntries >> 1) + 1);
        int blocks = 1;
        long tableClustersNew;
        while (true) {
            tableClustersNew = (entries * 8 + clusterSize - 1) >>> clusterBits;
            long end = start + blocks + tableClustersNew;
            long blocksNeeded = ((end + perBlock() - 1) >>> perBlockBits) - oldEntries;
            if (blocksNeeded > blocks || oldEntries + blocksNeeded > entries) {
                blocks = (int) Math.max(blocks, blocksNeeded);
                entries = Math.max(entries, oldEntries + blocks);
                continue;
            }
            break;
        }
        if (tableClustersNew * clusterSize > Qcow2Header.MAX_REFTABLE_BYTES) {
            throw new IOException(file.path() + ": refcount table would exceed 8 MiB");
        }
        long[] newTable = new long[(int) (tableClustersNew * clusterSize / 8)];
        System.arraycopy(table, 0, newTable, 0, oldEntries);
        long metaEnd = start + blocks + tableClustersNew;
        for (int j = 0; j < blocks; j++) {
            long blockIndex = oldEntries + j;
            byte[] data = new byte[clusterSize];
            long first = blockIndex << perBlockBits;
            for (long c = Math.max(first, start); c < Math.min(metaEnd, first + perBlock()); c++) {
                write(data, (int) (c - first), 1);
            }
            long off = (start + j) << clusterBits;
            file.write(off, data);
            newTable[(int) blockIndex] = off;
            cache.put(off, new Block(off, data));
            last = null;
        }
        ByteBuffer tb = ByteBuffer.allocate(newTable.length * 8);
        for (int i = 0; i < newTable.length; i++) {
            tb.putLong(i * 8, newTable[i]);
        }
        long newOffset = (start + blocks) << clusterBits;
        writeDirty();
        file.write(newOffset, tb);
        file.force();
        long oldOffset = tableOffset;
        int oldClusters = tableClusters;
        table = newTable;
        tableOffset = newOffset;
        tableClusters = (int) tableClustersNew;
        tableMoved.moved(newOffset, tableClusters);
        layoutChanged.run();
        for (int i = 0; i < oldClusters; i++) {
            long c = (oldOffset >>> clusterBits) + i;
            set(c, get(c) - 1);
        }
        evict();
    }

    void writeDirty() throws IOException {
        for (Block b : cache.values()) {
            if (b.dirty) {
                file.write(b.offset, b.data);
                b.dirty = false;
            }
        }
    }

    /** Forgets cached blocks (after a rebuild rewrote them on disk). */
    void dropCache() {
        cache.clear();
        last = null;
    }
}
