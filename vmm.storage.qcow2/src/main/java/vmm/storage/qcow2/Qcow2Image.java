package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.StampedLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.block.BlockImage;
import vmm.core.block.CompressedWriter;
import vmm.core.block.Emptiable;
import vmm.core.block.Checkable;
import vmm.core.block.CorruptImageException;
import vmm.core.block.Extent;
import vmm.core.block.ImageInfo;
import vmm.core.block.ReadOnlyImageException;
import vmm.core.block.Rebasable;
import vmm.core.block.Resizable;
import vmm.core.block.Snapshottable;

/**
 * An open qcow2 image. Reads and in-place writes of clusters this image owns run in
 * parallel and find their clusters without a lock; anything that allocates or changes
 * metadata takes {@link #meta}, but an allocating write writes its data without it (see
 * ClusterIO#allocatingWrite). Operations that free clusters (discard, zeroing, snapshots,
 * resize) also take {@link #ioExclusive} so no read or write is using a cluster while it is
 * released. Nothing takes {@link #ioShared} or {@link #ioExclusive} re-entrantly.
 */
public final class Qcow2Image implements BlockImage, Snapshottable, Checkable, Resizable, Rebasable,
        CompressedWriter, Emptiable {

    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Image.class);

    final ImageFile file;
    final ImageFile dataFile;
    final Qcow2Header header;
    final boolean readOnly;
    final int clusterBits;
    final int clusterSize;
    final RefcountTable refcounts;
    final ClusterAllocator allocator;
    final ClusterMap map;
    final CompressedCluster compression;
    final Qcow2Snapshots snapshots;
    final BlockImage backing;
    final DataEncryption encryption;
    final MetadataGuard guard = new MetadataGuard(this);
    /*
     * Reads and writes share this lock, operations that free clusters hold it exclusively. A
     * StampedLock, not a ReentrantReadWriteLock: that one keeps a per-thread hold count in a
     * ThreadLocal, created and removed on every request once several threads do I/O, which
     * showed up as a large part of the cost of a request.
     */
    private final StampedLock ioLock = new StampedLock();
    final Lock ioShared = ioLock.asReadLock();
    final Lock ioExclusive = ioLock.asWriteLock();
    final ReentrantLock meta = new ReentrantLock();
    private final ClusterIO io;
    private final ClusterZeroing zeroing;
    private boolean dirtyBitWritten;
    private volatile boolean closed;

    Qcow2Image(ImageFile file, ImageFile dataFile, Qcow2Header header, BlockImage backing,
            DataEncryption encryption) throws IOException {
        this.file = file;
        this.dataFile = dataFile;
        this.header = header;
        this.readOnly = file.readOnly();
        this.clusterBits = header.clusterBits;
        this.clusterSize = header.clusterSize();
        this.backing = backing;
        this.encryption = encryption;
        this.refcounts = new RefcountTable(file, header, (off, clusters) -> {
            header.refcountTableOffset = off;
            header.refcountTableClusters = clusters;
            writeHeader();
        }, guard::invalidate);
        this.allocator = new ClusterAllocator(refcounts, clusterBits);
        this.map = new ClusterMap(file, header, allocator, this::beforeL2Write, guard);
        this.compression = new CompressedCluster(clusterBits, header.compressionType);
        this.snapshots = new Qcow2Snapshots(this);
        this.io = new ClusterIO(this);
        this.zeroing = new ClusterZeroing(this, io);
        this.dirtyBitWritten = (header.incompatibleFeatures & Qcow2Header.INCOMPAT_DIRTY) != 0;
        validateLayout();
    }

    /**
     * Refuses images whose refcount blocks or L2 tables sit on other metadata: updating one
     * would then silently rewrite the other.
     */
    private void validateLayout() throws IOException {
        long l1Start = header.l1TableOffset;
        long l1End = l1Start + (long) header.l1Size * 8;
        long rtStart = refcounts.tableOffset();
        long rtEnd = rtStart + ((long) refcounts.tableClusters() << clusterBits);
        java.util.Set<Long> blocks = new java.util.HashSet<>();
        long[] offsets = refcounts.blockOffsets();
        for (int i = 0; i < offsets.length; i++) {
            long b = offsets[i];
            if (b == 0) {
                continue;
            }
            if (b < clusterSize || (b < l1End && b + clusterSize > l1Start) || (b >= rtStart && b < rtEnd)) {
                throw corrupt("refcount block " + i + " at offset " + b + " overlaps the header, L1 or refcount table");
            }
            blocks.add(b);
        }
        for (int i = 0; i < map.l1.length; i++) {
            long l2 = map.l1[i] & L2Table.OFFSET_MASK;
            if (l2 == 0) {
                continue;
            }
            if (l2 < clusterSize || (l2 < l1End && l2 + clusterSize > l1Start) || (l2 >= rtStart && l2 < rtEnd)
                    || blocks.contains(l2)) {
                throw corrupt("L2 table " + i + " at offset " + l2 + " overlaps other metadata");
            }
        }
    }

    Path path() {
        return file.path();
    }

    boolean lazyRefcounts() {
        return (header.compatibleFeatures & Qcow2Header.COMPAT_LAZY_REFCOUNTS) != 0;
    }

    /** Called under {@link #meta} before the first metadata change. */
    void prepareMetadataWrite() throws IOException {
        if (readOnly) {
            throw new ReadOnlyImageException(path().toString());
        }
        if (lazyRefcounts() && !dirtyBitWritten) {
            // With lazy refcounts, refcount writes are unordered; the dirty bit says they must be rebuilt after a crash.
            header.incompatibleFeatures |= Qcow2Header.INCOMPAT_DIRTY;
            writeHeader();
            dirtyBitWritten = true;
        }
    }

    /** After a refcount rebuild the dirty bit is cleared and must be set again before the next lazy write. */
    void resetDirtyBit() {
        dirtyBitWritten = false;
    }

    private void beforeL2Write() throws IOException {
        refcounts.writeDirty();
        if (!dirtyBitWritten) {
            file.force();
        }
        if (dataFile != file) {
            // Data before the L2 entry that points to it, also when the data lives in another file.
            dataFile.force();
        }
    }

    void writeHeader() throws IOException {
        byte[] bytes = header.toBytes(path());
        byte[] cluster = new byte[Math.max(bytes.length, Math.min(clusterSize, 4096))];
        System.arraycopy(bytes, 0, cluster, 0, bytes.length);
        file.write(0, cluster);
        file.force();
    }

    /** Writes all dirty metadata in crash-safe order, then applies deferred frees. */
    void flushMetadata() throws IOException {
        flushMetadata(true);
    }

    /**
     * @param applyFrees false when the caller does not hold {@link #ioExclusive}: deferred frees
     *                   then stay queued, since a read in progress may still use a cluster (or a
     *                   compressed range) that an overwrite released
     */
    private void flushMetadata(boolean applyFrees) throws IOException {
        if (readOnly) {
            return;
        }
        map.writeDirty();
        if (applyFrees && allocator.hasPendingFrees()) {
            file.force();
            allocator.applyPendingFrees();
        }
        refcounts.writeDirty();
        file.force();
    }

    @Override
    public long size() {
        return header.size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    private void checkRange(long offset, long length) throws IOException {
        if (closed) {
            throw new IOException(path() + ": image is closed");
        }
        if (offset < 0 || length < 0 || offset + length > header.size || offset + length < 0) {
            throw new IOException(path() + ": range " + offset + "+" + length + " outside the virtual size "
                    + header.size);
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        ioShared.lock();
        try {
            long pos = offset;
            while (dst.hasRemaining()) {
                long gc = pos >>> clusterBits;
                int inC = (int) (pos & (clusterSize - 1));
                int at = dst.position();
                int n = io.readRun(gc, inC, dst);
                dst.position(at + n);
                pos += n;
            }
        } finally {
            ioShared.unlock();
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new ReadOnlyImageException(path().toString());
        }
        checkRange(offset, src.remaining());
        ioShared.lock();
        try {
            long pos = offset;
            while (src.hasRemaining()) {
                long gc = pos >>> clusterBits;
                int inC = (int) (pos & (clusterSize - 1));
                if (inC == 0 && src.remaining() > clusterSize) {
                    // Several whole clusters: one allocation and one pwrite when they are all new.
                    int done = io.writeRun(gc, src);
                    if (done > 0) {
                        src.position(src.position() + done);
                        pos += done;
                        continue;
                    }
                }
                int n = Math.min(src.remaining(), clusterSize - inC);
                ByteBuffer part = n == src.remaining() ? src : src.slice(src.position(), n);
                io.writeCluster(gc, inC, part);
                src.position(src.position() + n);
                pos += n;
            }
        } finally {
            ioShared.unlock();
        }
    }

    @Override
    public void writeCompressed(long offset, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new ReadOnlyImageException(path().toString());
        }
        checkRange(offset, src.remaining());
        if ((offset & (clusterSize - 1)) != 0 || (src.remaining() % clusterSize != 0
                && offset + src.remaining() != header.size)) {
            throw new IOException(path() + ": compressed writes must cover whole clusters");
        }
        ioExclusive.lock();
        meta.lock();
        try {
            for (int done = 0; done < src.remaining(); done += clusterSize) {
                int n = Math.min(clusterSize, src.remaining() - done);
                io.writeCompressed((offset + done) >>> clusterBits, src.slice(src.position() + done, n));
            }
        } finally {
            meta.unlock();
            ioExclusive.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        if (readOnly) {
            return;
        }
        // A flush that frees clusters waits for reads and writes in progress, as discard does;
        // one with nothing to free (the common case) does not stop I/O.
        boolean frees;
        meta.lock();
        try {
            frees = allocator.hasPendingFrees();
        } finally {
            meta.unlock();
        }
        if (frees) {
            ioExclusive.lock();
        }
        try {
            meta.lock();
            try {
                flushMetadata(frees);
                if (dataFile != file) {
                    dataFile.force();
                }
            } finally {
                meta.unlock();
            }
        } finally {
            if (frees) {
                ioExclusive.unlock();
            }
        }
    }

    @Override
    public void makeEmpty() throws IOException {
        if (readOnly) {
            throw new ReadOnlyImageException(path().toString());
        }
        ioExclusive.lock();
        try {
            long clusters = (header.size + clusterSize - 1) >>> clusterBits;
            for (long gc = 0; gc < clusters; gc++) {
                zeroing.deallocateCluster(gc);
            }
        } finally {
            ioExclusive.unlock();
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        zeroRange(offset, length, true);
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        zeroRange(offset, length, false);
    }

    private void zeroRange(long offset, long length, boolean discard) throws IOException {
        if (readOnly) {
            throw new ReadOnlyImageException(path().toString());
        }
        checkRange(offset, length);
        ioExclusive.lock();
        try {
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                long gc = pos >>> clusterBits;
                int inC = (int) (pos & (clusterSize - 1));
                int n = (int) Math.min(end - pos, clusterSize - inC);
                boolean wholeToEnd = inC == 0 && pos + n == header.size;
                zeroing.zeroCluster(gc, inC, wholeToEnd ? clusterSize : n, discard);
                pos += n;
            }
        } finally {
            ioExclusive.unlock();
        }
    }

    @Override
    public Extent mapExtent(long offset, long maxLength) throws IOException {
        checkRange(offset, 0);
        long max = Math.min(maxLength, header.size - offset);
        ioShared.lock();
        try {
            return io.mapExtent(offset, max);
        } finally {
            ioShared.unlock();
        }
    }

    @Override
    public ImageInfo info() throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        boolean v3 = header.version == 3;
        s.put("compat", v3 ? "1.1" : "0.10");
        s.put("compression-type", header.compressionType == Qcow2Header.COMPRESSION_ZSTD ? "zstd" : "zlib");
        if (v3) {
            s.put("lazy-refcounts", lazyRefcounts());
        }
        if (encryption != null) {
            s.put("encrypt", encryption.info());
        }
        s.put("refcount-bits", header.refcountBits());
        if (header.hasDataFile()) {
            s.put("data-file", header.dataFile());
            s.put("data-file-raw", (header.autoclearFeatures & Qcow2Header.AUTOCLEAR_DATA_FILE_RAW) != 0);
        }
        if (v3) {
            s.put("corrupt", (header.incompatibleFeatures & Qcow2Header.INCOMPAT_CORRUPT) != 0);
            s.put("extended-l2", header.extendedL2());
        }
        return new ImageInfo("qcow2", header.size, clusterSize, header.backingFile, header.backingFormat(),
                listSnapshots(), s);
    }

    @Override
    public List<ImageInfo.SnapshotInfo> listSnapshots() throws IOException {
        meta.lock();
        try {
            List<ImageInfo.SnapshotInfo> out = new ArrayList<>();
            for (SnapshotEntry e : snapshots.entries()) {
                out.add(e.info());
            }
            return out;
        } finally {
            meta.unlock();
        }
    }

    private void exclusive(IoAction action) throws IOException {
        if (readOnly) {
            throw new ReadOnlyImageException(path().toString());
        }
        ioExclusive.lock();
        meta.lock();
        try {
            prepareMetadataWrite();
            guard.invalidate();
            action.run();
        } finally {
            guard.invalidate();
            io.forgetCaches();
            // Snapshot and refcount work edits L1 entries in place; lookups must not trust their old view.
            map.resetActive();
            meta.unlock();
            ioExclusive.unlock();
        }
    }

    interface IoAction {
        void run() throws IOException;
    }

    @Override
    public void createSnapshot(String name) throws IOException {
        exclusive(() -> snapshots.create(name));
    }

    @Override
    public void applySnapshot(String idOrName) throws IOException {
        exclusive(() -> snapshots.apply(idOrName));
    }

    @Override
    public void deleteSnapshot(String idOrName) throws IOException {
        exclusive(() -> snapshots.delete(idOrName));
    }

    @Override
    public CheckReport check(boolean repairLeaks) throws IOException {
        ioExclusive.lock();
        meta.lock();
        try {
            flushMetadata();
            guard.invalidate();
            return new Qcow2Checker(this).check(repairLeaks && !readOnly, false);
        } finally {
            map.resetActive();
            meta.unlock();
            ioExclusive.unlock();
        }
    }

    @Override
    public void resize(long newSize) throws IOException {
        exclusive(() -> new Qcow2Resizer(this).resize(newSize));
    }

    @Override
    public void setBacking(String backingFile, String backingFormat) throws IOException {
        exclusive(() -> {
            header.backingFile = backingFile;
            header.setExtension(HeaderExtension.BACKING_FORMAT,
                    backingFile == null || backingFormat == null ? null
                            : backingFormat.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            writeHeader();
        });
    }

    /** preallocation=metadata: every guest cluster gets a host cluster and an L2 entry. */
    void preallocateMetadata() throws IOException {
        exclusive(() -> {
            long clusters = (header.size + clusterSize - 1) >>> clusterBits;
            long end = 0;
            for (long gc = 0; gc < clusters; gc++) {
                L2Table t = map.writableTable(gc);
                int i = (int) (gc % map.l2Entries());
                if (t.entries[i] != 0) {
                    continue;
                }
                long host = header.hasDataFile() ? gc << clusterBits : allocator.allocate(1);
                t.entries[i] = host | L2Table.COPIED;
                if (t.bitmaps != null) {
                    t.bitmaps[i] = 0xffffffffL;
                }
                t.dirty = true;
                end = Math.max(end, host + clusterSize);
            }
            flushMetadata();
            if (!header.hasDataFile()) {
                file.extendTo(end);
            }
        });
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        ioExclusive.lock();
        meta.lock();
        try {
            closed = true;
            IOException failure = null;
            try {
                if (!readOnly) {
                    flushMetadata();
                    if (dirtyBitWritten && (header.incompatibleFeatures & Qcow2Header.INCOMPAT_DIRTY) != 0) {
                        header.incompatibleFeatures &= ~Qcow2Header.INCOMPAT_DIRTY;
                        writeHeader();
                    }
                    if (dataFile != file) {
                        dataFile.force();
                    }
                }
            } catch (IOException e) {
                failure = e;
            }
            for (AutoCloseable c : new AutoCloseable[] {backing, dataFile != file ? dataFile : null, file}) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (Exception e) {
                    if (failure == null) {
                        failure = e instanceof IOException io ? io : new IOException(e);
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                LOG.warn("{}: close failed", path(), failure);
                throw failure;
            }
        } finally {
            meta.unlock();
            ioExclusive.unlock();
        }
    }

    /** Raises a corruption error naming this image. */
    CorruptImageException corrupt(String what) {
        return new CorruptImageException(path() + ": " + what);
    }
}
