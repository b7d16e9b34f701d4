package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Condition;

import vmm.core.block.Extent;

/**
 * Guest data in and out of clusters: lookups, copy-on-write allocation, zeroing and the
 * extent map. Every call handles a range inside one guest cluster.
 */
final class ClusterIO {

    private final Qcow2Image img;
    private final HostIO hostIO;
    private final int clusterBits;
    final int clusterSize;
    final boolean extended;
    final int subclusterSize;
    /** Guest clusters between their allocation and their L2 link (see allocatingWrite); guarded by meta. */
    private final InFlightClusters inFlight = new InFlightClusters();
    /** Signalled under meta whenever a guest cluster leaves {@link #inFlight}. */
    private final Condition linked;

    ClusterIO(Qcow2Image img) {
        this.img = img;
        this.hostIO = new HostIO(img);
        this.clusterBits = img.clusterBits;
        this.clusterSize = img.clusterSize;
        this.extended = img.header.extendedL2();
        this.subclusterSize = extended ? clusterSize / 32 : clusterSize;
        this.linked = img.meta.newCondition();
    }

    /** After snapshots, resizes and checks, freed space may hold different data under an old descriptor. */
    void forgetCaches() {
        hostIO.forgetCaches();
    }

    /** L2 entry and bitmap of a guest cluster; zeroes when no L2 table maps it. */
    record Mapping(long entry, long bitmap) {
    }

    private static final Mapping UNMAPPED = new Mapping(0, 0);

    private Mapping lookup(long gc) throws IOException {
        if (!extended) {
            // Lock-free when the table is cached. Not for extended L2 entries: their entry and
            // bitmap change together, and only the lock gives a consistent pair.
            L2Table t = img.map.cachedTable(gc);
            if (t == L2Table.NONE) {
                return UNMAPPED;
            }
            if (t != null) {
                return new Mapping(t.entries[(int) (gc % img.map.l2Entries())], 0);
            }
        }
        img.meta.lock();
        try {
            return lookupLocked(gc);
        } finally {
            img.meta.unlock();
        }
    }

    Mapping lookupLocked(long gc) throws IOException {
        L2Table t = img.map.table(gc);
        if (t == null) {
            return UNMAPPED;
        }
        int i = (int) (gc % img.map.l2Entries());
        return new Mapping(t.entries[i], extended ? t.bitmaps[i] : 0);
    }

    /**
     * Whether an L2 entry names a host cluster. Offset 0 normally means none, but with an
     * external data file guest cluster 0 lives at offset 0; QEMU then tells by the COPIED
     * flag, which every data-file cluster carries.
     */
    boolean hasHost(long e) {
        return L2Table.hostOffset(e) != 0 || (img.header.hasDataFile() && (e & L2Table.COPIED) != 0);
    }

    /** Kind of the (sub)cluster holding byte {@code inC} of the cluster. */
    private SubclusterKind kind(Mapping m, long gc, int inC) throws IOException {
        long e = m.entry();
        if (L2Table.compressed(e)) {
            if (img.header.hasDataFile()) {
                throw img.corrupt("compressed cluster in an image with an external data file (guest cluster " + gc + ")");
            }
            long off = img.compression.offset(e);
            if (off < img.clusterSize || off >= img.file.size()) {
                throw img.corrupt("compressed cluster descriptor for guest offset " + (gc << clusterBits)
                        + " points to " + off + ", past the end of the file");
            }
            return SubclusterKind.COMPRESSED;
        }
        long host = L2Table.hostOffset(e);
        if (host != 0 && (host & (clusterSize - 1)) != 0) {
            throw img.corrupt("L2 entry for guest offset " + (gc << clusterBits) + " points to unaligned offset 0x"
                    + Long.toHexString(host));
        }
        if (!extended) {
            if ((e & L2Table.ZERO) != 0) {
                if (img.header.version < 3) {
                    throw img.corrupt("zero cluster flag in a version 2 image (guest offset " + (gc << clusterBits) + ")");
                }
                return SubclusterKind.ZERO;
            }
            return hasHost(e) ? SubclusterKind.NORMAL : SubclusterKind.UNALLOCATED;
        }
        int sc = inC / subclusterSize;
        boolean alloc = (m.bitmap() & (1L << sc)) != 0;
        boolean zero = (m.bitmap() & (1L << (32 + sc))) != 0;
        if (alloc && (zero || !hasHost(e))) {
            throw img.corrupt("invalid subcluster bitmap 0x" + Long.toHexString(m.bitmap()) + " for guest offset "
                    + (gc << clusterBits));
        }
        return alloc ? SubclusterKind.NORMAL : zero ? SubclusterKind.ZERO : SubclusterKind.UNALLOCATED;
    }

    private void checkHost(long host, long gc) throws IOException {
        if (!img.header.hasDataFile() && host < clusterSize) {
            throw img.corrupt("L2 entry for guest offset " + (gc << clusterBits) + " points into the header");
        }
    }

    /** Length of the run inside the cluster from {@code inC} that has the same kind. */
    private int runLength(Mapping m, long gc, int inC, int max, SubclusterKind k) throws IOException {
        if (!extended || k == SubclusterKind.COMPRESSED) {
            return max;
        }
        int end = inC + max;
        int pos = (inC / subclusterSize + 1) * subclusterSize;
        while (pos < end && kind(m, gc, pos) == k) {
            pos += subclusterSize;
        }
        return Math.min(pos, end) - inC;
    }

    /** Fills {@code dst}'s remaining bytes, advancing its position to its limit. */
    void readCluster(long gc, int inC, ByteBuffer dst) throws IOException {
        readCluster(lookup(gc), gc, dst, inC);
    }

    /**
     * Reads into {@code dst} from guest cluster {@code gc} at {@code inC}, on through the
     * following clusters while they are plain data stored right after it in the file: one
     * pread for the run instead of one per cluster, as QEMU merges contiguous clusters.
     * Returns the bytes read (at least what is left of cluster {@code gc}, or all of dst).
     */
    int readRun(long gc, int inC, ByteBuffer dst) throws IOException {
        Mapping m = lookup(gc);
        int first = Math.min(dst.remaining(), clusterSize - inC);
        if (extended || img.encryption != null || first == dst.remaining() || !plainData(m.entry())) {
            readCluster(m, gc, first == dst.remaining() ? dst : dst.slice(dst.position(), first), inC);
            return first;
        }
        long host = L2Table.hostOffset(m.entry());
        checkHost(host, gc);
        int len = first;
        for (long next = gc + 1; len < dst.remaining(); next++) {
            long e = lookup(next).entry();
            if (!plainData(e) || L2Table.hostOffset(e) != host + ((next - gc) << clusterBits)) {
                break;
            }
            len += Math.min(clusterSize, dst.remaining() - len);
        }
        if (len > first && host + inC + len > img.dataFile.size()) {
            // A run past the end of the file is an error per cluster: let the per-cluster path say which.
            len = first;
        }
        ByteBuffer part = dst.slice(dst.position(), len);
        if (len == first) {
            readCluster(m, gc, part, inC);
        } else {
            hostIO.readHost(host + inC, part);
        }
        return len;
    }

    private static boolean plainData(long entry) {
        return entry != 0 && !L2Table.compressed(entry) && (entry & L2Table.ZERO) == 0 && L2Table.hostOffset(entry) != 0;
    }

    private void readRun(Mapping m, long gc, int inC, SubclusterKind k, ByteBuffer dst) throws IOException {
        long guest = (gc << clusterBits) + inC;
        switch (k) {
            case UNALLOCATED -> hostIO.readBacking(guest, dst);
            case ZERO -> HostIO.fillZero(dst);
            case COMPRESSED -> dst.put(dst.position(), hostIO.decompress(m.entry(), gc), inC, dst.remaining());
            case NORMAL -> {
                long host = L2Table.hostOffset(m.entry());
                checkHost(host, gc);
                hostIO.readHost(host + inC, dst);
            }
        }
    }


    /** Current contents of a whole cluster, as a read would return them. */
    private byte[] clusterContents(Mapping m, long gc) throws IOException {
        byte[] buf = new byte[clusterSize];
        long guest = gc << clusterBits;
        int valid = (int) Math.min(clusterSize, img.header.size - guest);
        readCluster(m, gc, ByteBuffer.wrap(buf, 0, valid), 0);
        return buf;
    }

    private boolean writableInPlace(Mapping m, long gc, int inC, int len) throws IOException {
        long e = m.entry();
        if ((e & L2Table.COPIED) == 0 || L2Table.compressed(e) || !hasHost(e)) {
            return false;
        }
        if (!extended) {
            return (e & L2Table.ZERO) == 0;
        }
        for (int p = inC / subclusterSize * subclusterSize; p < inC + len; p += subclusterSize) {
            if (kind(m, gc, p) != SubclusterKind.NORMAL) {
                return false;
            }
        }
        return true;
    }

    void writeCluster(long gc, int inC, ByteBuffer src) throws IOException {
        Mapping m = lookup(gc);
        if (writableInPlace(m, gc, inC, src.remaining())) {
            long host = L2Table.hostOffset(m.entry());
            checkHost(host, gc);
            hostIO.writeHost(host + inC, src, (gc << clusterBits) + inC);
            return;
        }
        allocatingWrite(gc, inC, src);
    }

    /**
     * Copy-on-write of a cluster, in QEMU's order: the host cluster is chosen under the metadata
     * lock, the data written without it (so writers of different clusters overlap instead of
     * queueing behind one another's I/O), and the L2 entry set under the lock again once the
     * data is in the file. Meanwhile the guest cluster is in flight, and other writes to it
     * wait: each would otherwise allocate a cluster of its own and one write would be lost.
     * Callers that already hold the lock (zeroing, compressed writes) simply keep it throughout.
     */
    void allocatingWrite(long gc, int inC, ByteBuffer data) throws IOException {
        int len = data.remaining();
        Mapping m;
        long host;
        boolean allocated = false;
        boolean zeroCow = false;
        img.meta.lock();
        try {
            img.prepareMetadataWrite();
            while (inFlight.contains(gc)) {
                linked.awaitUninterruptibly();
            }
            m = lookupLocked(gc);
            long e = m.entry();
            if (writableInPlace(m, gc, inC, len)) {
                host = -1;
            } else {
                boolean own = hasHost(e) && (e & L2Table.COPIED) != 0 && !L2Table.compressed(e);
                if (extended && own) {
                    fillSubclusters(m, gc, inC, data);
                    return;
                }
                if (!extended && own && (e & L2Table.ZERO) != 0) {
                    host = L2Table.hostOffset(e);
                } else if (img.header.hasDataFile()) {
                    host = gc << clusterBits;
                } else {
                    boolean restZero = len < clusterSize && restReadsZero(m, gc);
                    host = img.allocator.allocate(1);
                    allocated = true;
                    zeroCow = restZero && host >= img.file.size();
                }
                inFlight.add(gc);
            }
        } finally {
            img.meta.unlock();
        }
        if (host < 0) {
            // Another writer allocated the cluster while this one waited.
            long own = L2Table.hostOffset(m.entry());
            checkHost(own, gc);
            hostIO.writeHost(own + inC, data, (gc << clusterBits) + inC);
            return;
        }
        try {
            writeNewCluster(m, gc, inC, data, host, zeroCow);
        } catch (IOException | RuntimeException | Error ex) {
            abandon(gc, host, allocated, ex);
            throw ex;
        }
        link(gc, m.entry(), host);
    }

    /**
     * Writes the start of {@code src} (which begins at guest cluster {@code gc}) as one run of
     * freshly allocated, contiguous host clusters, as QEMU does for a request covering several
     * clusters: one allocation (one refcount update for the run), one pwrite for the data, then
     * all L2 entries linked under the lock at once. Only for whole clusters (the last may end at
     * the virtual size) that are unallocated or zero clusters without a host cluster, so nothing
     * has to be preserved, and only without extended L2 entries, encryption or a data file. The
     * run stops before a cluster another writer has in flight or that needs the normal path.
     * Returns the bytes written, or 0 when fewer than two clusters qualify (the caller then
     * takes the per-cluster path, which also waits for in-flight clusters).
     */
    int writeRun(long gc, ByteBuffer src) throws IOException {
        if (extended || img.encryption != null || img.header.hasDataFile()) {
            return 0;
        }
        long guest = gc << clusterBits;
        int rem = src.remaining();
        boolean toEnd = guest + rem == img.header.size;
        long maxClusters = toEnd ? ((long) rem + clusterSize - 1) >>> clusterBits : rem >>> clusterBits;
        // As QEMU, at most up to the end of the L2 table. And well below a refcount block's span:
        // a new refcount block sits at the start of the clusters it counts, so a contiguous run
        // as long as that span could never be found.
        maxClusters = Math.min(maxClusters, img.map.l2Entries() - gc % img.map.l2Entries());
        maxClusters = Math.min(maxClusters, img.allocator.refcounts().perBlock() / 2);
        if (maxClusters < 2 || !fresh(lookup(gc).entry())) {
            return 0;
        }
        int max = (int) maxClusters;
        long[] old = new long[max];
        int n = 0;
        long host;
        img.meta.lock();
        try {
            img.prepareMetadataWrite();
            while (n < max && !inFlight.contains(gc + n)) {
                long e = lookupLocked(gc + n).entry();
                if (!fresh(e)) {
                    break;
                }
                old[n++] = e;
            }
            if (n < 2) {
                return 0;
            }
            host = img.allocator.allocate(n);
            inFlight.add(gc, n);
        } finally {
            img.meta.unlock();
        }
        int bytes = (int) Math.min(rem, (long) n << clusterBits);
        try {
            hostIO.writeHost(host, src.slice(src.position(), bytes), guest);
            int tail = bytes & (clusterSize - 1);
            if (tail != 0) {
                // The run ends at the virtual size inside its last cluster: the rest of that
                // cluster reads as zeroes, as the per-cluster path would have written it.
                img.dataFile.write(host + bytes, ByteBuffer.wrap(new byte[clusterSize - tail]));
            }
        } catch (IOException | RuntimeException | Error ex) {
            abandonRun(gc, n, host, ex);
            throw ex;
        }
        linkRun(gc, n, old, host);
        return bytes;
    }

    /** An L2 entry with nothing to preserve when a write covers its whole cluster: none, or a plain zero cluster. */
    private boolean fresh(long e) {
        return e == 0 || (e == L2Table.ZERO && img.header.version >= 3);
    }

    /** {@link #link} for a run of clusters at contiguous host offsets. */
    private void linkRun(long gc, int n, long[] old, long host) throws IOException {
        int done = 0;
        img.meta.lock();
        try {
            for (; done < n; done++) {
                long g = gc + done;
                long h = host + ((long) done << clusterBits);
                L2Table t = img.map.writableTable(g);
                int i = (int) (g % img.map.l2Entries());
                t.entries[i] = h | L2Table.COPIED;
                t.dirty = true;
                t.changed();
                releaseOld(old[done], h);
            }
        } catch (IOException | RuntimeException | Error ex) {
            // Nothing points to the clusters not yet linked: free them at once rather than leak them.
            try {
                img.allocator.freeNow(host + ((long) done << clusterBits), (long) (n - done) << clusterBits);
            } catch (IOException e) {
                ex.addSuppressed(e);
            }
            throw ex;
        } finally {
            inFlight.remove(gc);
            linked.signalAll();
            img.meta.unlock();
        }
    }

    /** {@link #abandon} for a run of {@code n} new clusters ({@code n} 0: none was allocated). */
    private void abandonRun(long gc, int n, long host, Throwable failure) {
        img.meta.lock();
        try {
            if (n > 0) {
                img.allocator.freeNow(host, (long) n << clusterBits);
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        } finally {
            inFlight.remove(gc);
            linked.signalAll();
            img.meta.unlock();
        }
    }

    /**
     * Whether the parts of a cluster that a partial write leaves alone read as zeroes. When the
     * new host cluster also lies past the end of the file (a hole that was never written), only
     * the written bytes need writing, instead of a whole cluster of mostly zeroes.
     */
    private boolean restReadsZero(Mapping m, long gc) throws IOException {
        if (img.encryption != null || img.header.hasDataFile()) {
            return false;
        }
        boolean noBacking = img.backing == null && img.header.backingFile == null;
        for (int p = 0; p < clusterSize; p += subclusterSize) {
            SubclusterKind k = kind(m, gc, p);
            if (k != SubclusterKind.ZERO && !(k == SubclusterKind.UNALLOCATED && noBacking)) {
                return false;
            }
        }
        return true;
    }

    /** The data of an allocating write, into the host cluster nothing points to yet. */
    private void writeNewCluster(Mapping m, long gc, int inC, ByteBuffer data, long host, boolean zeroCow)
            throws IOException {
        long guest = gc << clusterBits;
        int len = data.remaining();
        if (inC == 0 && len == clusterSize) {
            hostIO.writeHost(host, data, guest);
            return;
        }
        if (zeroCow) {
            hostIO.writeHost(host + inC, data, guest + inC);
            if (inC + len < clusterSize) {
                // The rest is a hole and reads as zeroes; the file must still cover the whole
                // cluster, as reads and qemu-img check expect of a cluster an L2 entry points
                // to. The cluster's last byte is zero anyway, so writing it needs no size check.
                img.dataFile.write(host + clusterSize - 1, ByteBuffer.wrap(new byte[1]));
            }
            return;
        }
        byte[] buf = clusterContents(m, gc);
        data.get(data.position(), buf, inC, len);
        hostIO.writeHost(host, buf, 0, clusterSize, guest);
    }

    /** Points the L2 entry at the freshly written cluster and lets waiting writers of it go on. */
    private void link(long gc, long oldEntry, long host) throws IOException {
        img.meta.lock();
        try {
            L2Table t = img.map.writableTable(gc);
            int i = (int) (gc % img.map.l2Entries());
            t.entries[i] = host | L2Table.COPIED;
            if (extended) {
                t.bitmaps[i] = 0xffffffffL;
            }
            t.dirty = true;
            t.changed();
            releaseOld(oldEntry, host);
        } finally {
            inFlight.remove(gc);
            linked.signalAll();
            img.meta.unlock();
        }
    }

    /** After a failed data write: nothing points to the new cluster, so it is free again at once. */
    private void abandon(long gc, long host, boolean allocated, Throwable failure) {
        abandonRun(gc, allocated ? 1 : 0, host, failure);
    }

    /**
     * Under the metadata lock, for a cluster this image owns with extended L2 entries:
     * subclusters already allocated are written in place (other threads may be writing to them
     * too, so they are never rewritten whole); the others are filled from their current
     * contents (zeroes or the backing file) and then marked allocated.
     */
    private void fillSubclusters(Mapping m, long gc, int inC, ByteBuffer data) throws IOException {
        long oldHost = L2Table.hostOffset(m.entry());
        int len = data.remaining();
        int first = inC / subclusterSize;
        int last = (inC + len - 1) / subclusterSize;
        long bits = 0;
        for (int sc = first; sc <= last; sc++) {
            int scStart = sc * subclusterSize;
            int from = Math.max(inC, scStart);
            int to = Math.min(inC + len, scStart + subclusterSize);
            if (kind(m, gc, scStart) == SubclusterKind.NORMAL) {
                hostIO.writeHost(oldHost + from, data.slice(data.position() + from - inC, to - from),
                        (gc << clusterBits) + from);
                continue;
            }
            byte[] buf = new byte[subclusterSize];
            if (from != scStart || to != scStart + subclusterSize) {
                readCluster(m, gc, ByteBuffer.wrap(buf), scStart);
            }
            data.get(data.position() + from - inC, buf, from - scStart, to - from);
            hostIO.writeHost(oldHost + scStart, buf, 0, subclusterSize, (gc << clusterBits) + scStart);
            bits |= 1L << sc;
        }
        L2Table t = img.map.writableTable(gc);
        int i = (int) (gc % img.map.l2Entries());
        t.bitmaps[i] = (t.bitmaps[i] | bits) & ~(bits << 32);
        t.dirty = true;
    }

    /** Reads runs of (sub)clusters of one kind, advancing {@code dst}'s position. */
    private void readCluster(Mapping m, long gc, ByteBuffer dst, int inC) throws IOException {
        int pos = inC;
        while (dst.hasRemaining()) {
            SubclusterKind k = kind(m, gc, pos);
            int n = runLength(m, gc, pos, dst.remaining(), k);
            // readRun leaves the position alone, so the whole buffer needs no slice.
            readRun(m, gc, pos, k, n == dst.remaining() ? dst : dst.slice(dst.position(), n));
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    /** Queues the drop of the reference an overwritten L2 entry held. */
    void releaseOld(long oldEntry, long newHost) {
        if (L2Table.compressed(oldEntry)) {
            // The space may be reused for another compressed cluster with the same descriptor.
            hostIO.forgetCaches();
            img.allocator.freeLater(img.compression.rangeStart(oldEntry), img.compression.rangeLength(oldEntry));
            return;
        }
        long old = L2Table.hostOffset(oldEntry);
        if (old != 0 && old != newHost && !img.header.hasDataFile()) {
            img.allocator.freeLater(old, clusterSize);
        }
    }

    void writeCompressed(long gc, ByteBuffer src) throws IOException {
        img.prepareMetadataWrite();
        byte[] cluster = new byte[clusterSize];
        src.get(src.position(), cluster, 0, src.remaining());
        byte[] packed = img.header.hasDataFile() || img.encryption != null ? null : img.compression.compress(cluster);
        if (packed == null) {
            Mapping m = lookupLocked(gc);
            if (writableInPlace(m, gc, 0, clusterSize)) {
                hostIO.writeHost(L2Table.hostOffset(m.entry()), cluster, 0, clusterSize, gc << clusterBits);
            } else {
                allocatingWrite(gc, 0, ByteBuffer.wrap(cluster));
            }
            return;
        }
        Mapping m = lookupLocked(gc);
        L2Table t = img.map.writableTable(gc);
        int i = (int) (gc % img.map.l2Entries());
        long host = img.allocator.allocateBytes(packed.length);
        img.file.write(host, ByteBuffer.wrap(packed));
        long end = (host + packed.length + 511) & ~511L;
        img.file.extendTo(end);
        t.entries[i] = img.compression.descriptor(host, packed.length);
        if (extended) {
            t.bitmaps[i] = 0;
        }
        t.dirty = true;
        releaseOld(m.entry(), -1);
    }

    Extent mapExtent(long offset, long max) throws IOException {
        long gc = offset >>> clusterBits;
        int inC = (int) (offset & (clusterSize - 1));
        Mapping m = lookup(gc);
        SubclusterKind k = kind(m, gc, inC);
        long host = k == SubclusterKind.NORMAL ? L2Table.hostOffset(m.entry()) + inC : -1;
        long len = Math.min(max, runLength(m, gc, inC, clusterSize - inC, k));
        while (len < max) {
            long pos = offset + len;
            long g = pos >>> clusterBits;
            int in = (int) (pos & (clusterSize - 1));
            Mapping m2 = g == gc ? m : lookup(g);
            SubclusterKind k2 = kind(m2, g, in);
            if (k2 != k || (k == SubclusterKind.NORMAL && L2Table.hostOffset(m2.entry()) + in != host + len)) {
                break;
            }
            len += Math.min(max - len, runLength(m2, g, in, clusterSize - in, k2));
        }
        if (k == SubclusterKind.UNALLOCATED && img.backing != null) {
            long bsize = img.backing.size();
            if (offset < bsize) {
                Extent b = img.backing.mapExtent(offset, Math.min(len, bsize - offset));
                return new Extent(offset, b.length(), b.data(), b.zero(), b.depth() + 1, b.hostOffset());
            }
            return new Extent(offset, len, false, true, 1, -1);
        }
        return switch (k) {
            case UNALLOCATED, ZERO -> new Extent(offset, len, false, true, 0, -1);
            case COMPRESSED -> new Extent(offset, len, true, false, 0, -1);
            case NORMAL -> new Extent(offset, len, true, false, 0, host);
        };
    }
}
