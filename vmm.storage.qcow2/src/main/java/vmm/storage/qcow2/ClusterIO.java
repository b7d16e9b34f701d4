package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;

import vmm.core.block.Extent;

/**
 * Guest data in and out of clusters: lookups, copy-on-write allocation, zeroing and the
 * extent map. Every call handles a range inside one guest cluster.
 */
final class ClusterIO {

    private final Qcow2Image img;
    private final int clusterBits;
    private final int clusterSize;
    private final boolean extended;
    private final int subclusterSize;

    ClusterIO(Qcow2Image img) {
        this.img = img;
        this.clusterBits = img.clusterBits;
        this.clusterSize = img.clusterSize;
        this.extended = img.header.extendedL2();
        this.subclusterSize = extended ? clusterSize / 32 : clusterSize;
    }

    /** L2 entry and bitmap of a guest cluster; zeroes when no L2 table maps it. */
    private record Mapping(long entry, long bitmap) {
    }

    private Mapping lookup(long gc) throws IOException {
        img.meta.lock();
        try {
            return lookupLocked(gc);
        } finally {
            img.meta.unlock();
        }
    }

    private Mapping lookupLocked(long gc) throws IOException {
        L2Table t = img.map.table(gc);
        if (t == null) {
            return new Mapping(0, 0);
        }
        int i = (int) (gc % img.map.l2Entries());
        return new Mapping(t.entries[i], extended ? t.bitmaps[i] : 0);
    }

    /**
     * Whether an L2 entry names a host cluster. Offset 0 normally means none, but with an
     * external data file guest cluster 0 lives at offset 0; QEMU then tells by the COPIED
     * flag, which every data-file cluster carries.
     */
    private boolean hasHost(long e) {
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

    void readCluster(long gc, int inC, ByteBuffer dst) throws IOException {
        Mapping m = lookup(gc);
        int pos = inC;
        while (dst.hasRemaining()) {
            SubclusterKind k = kind(m, gc, pos);
            int n = runLength(m, gc, pos, dst.remaining(), k);
            ByteBuffer part = dst.slice(dst.position(), n);
            readRun(m, gc, pos, k, part);
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    private void readRun(Mapping m, long gc, int inC, SubclusterKind k, ByteBuffer dst) throws IOException {
        long guest = (gc << clusterBits) + inC;
        switch (k) {
            case UNALLOCATED -> readBacking(guest, dst);
            case ZERO -> fillZero(dst);
            case COMPRESSED -> dst.put(0, decompress(m.entry(), gc), inC, dst.remaining());
            case NORMAL -> {
                long host = L2Table.hostOffset(m.entry());
                checkHost(host, gc);
                readHost(host + inC, dst);
            }
        }
    }

    private static final byte[] ZEROES = new byte[65536];

    private static void fillZero(ByteBuffer dst) {
        int pos = dst.position();
        int end = dst.limit();
        while (pos < end) {
            int n = Math.min(ZEROES.length, end - pos);
            dst.put(pos, ZEROES, 0, n);
            pos += n;
        }
    }

    void readBacking(long guest, ByteBuffer dst) throws IOException {
        if (img.backing == null && img.header.backingFile != null) {
            throw new IOException(img.path() + ": guest offset " + guest + " lies in the backing file "
                    + img.header.backingFile + ", which was not opened");
        }
        if (img.backing == null) {
            fillZero(dst);
            return;
        }
        long bsize = img.backing.size();
        int inBacking = (int) Math.max(0, Math.min(dst.remaining(), bsize - guest));
        if (inBacking > 0) {
            img.backing.read(guest, dst.slice(dst.position(), inBacking));
        }
        if (inBacking < dst.remaining()) {
            fillZero(dst.slice(dst.position() + inBacking, dst.remaining() - inBacking));
        }
    }

    private void readHost(long host, ByteBuffer dst) throws IOException {
        if (host >= img.dataFile.size() && !img.header.hasDataFile()) {
            throw img.corrupt("data cluster at offset " + host + " lies past the end of the file");
        }
        if (img.encryption == null) {
            img.dataFile.readZeroPadded(host, dst.duplicate());
            return;
        }
        long start = host & ~511L;
        long end = (host + dst.remaining() + 511) & ~511L;
        byte[] buf = new byte[(int) (end - start)];
        img.dataFile.readZeroPadded(start, ByteBuffer.wrap(buf));
        img.encryption.decrypt(start, buf, 0, buf.length);
        dst.put(dst.position(), buf, (int) (host - start), dst.remaining());
    }

    private void writeHost(long host, byte[] buf, int off, int len, long guest) throws IOException {
        img.guard.checkDataWrite(host, len, guest);
        if (img.encryption != null) {
            long start = host & ~511L;
            long end = (host + len + 511) & ~511L;
            byte[] sect = new byte[(int) (end - start)];
            if (start != host || end != host + len) {
                img.dataFile.readZeroPadded(start, ByteBuffer.wrap(sect));
                img.encryption.decrypt(start, sect, 0, sect.length);
            }
            System.arraycopy(buf, off, sect, (int) (host - start), len);
            img.encryption.encrypt(start, sect, 0, sect.length);
            img.dataFile.write(start, ByteBuffer.wrap(sect));
            return;
        }
        img.dataFile.write(host, ByteBuffer.wrap(buf, off, len));
    }

    /** The last cluster decompressed: sequential small reads of one compressed cluster are common. */
    private record Decompressed(long entry, byte[] data) {
    }

    private volatile Decompressed lastDecompressed;

    /** After snapshots, resizes and checks, freed space may hold different data under an old descriptor. */
    void forgetCaches() {
        lastDecompressed = null;
    }

    private byte[] decompress(long entry, long gc) throws IOException {
        Decompressed last = lastDecompressed;
        if (last != null && last.entry() == entry) {
            return last.data();
        }
        byte[] data = decompressUncached(entry, gc);
        lastDecompressed = new Decompressed(entry, data);
        return data;
    }

    private byte[] decompressUncached(long entry, long gc) throws IOException {
        long off = img.compression.offset(entry);
        int len = img.compression.storedLength(entry);
        byte[] in = new byte[len];
        img.file.readZeroPadded(off, ByteBuffer.wrap(in));
        return img.compression.decompress(in, len, img.path().toString(), gc << clusterBits);
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
            byte[] data = new byte[src.remaining()];
            src.get(src.position(), data);
            writeHost(host + inC, data, 0, data.length, (gc << clusterBits) + inC);
            return;
        }
        img.meta.lock();
        try {
            img.prepareMetadataWrite();
            byte[] data = new byte[src.remaining()];
            src.get(src.position(), data);
            allocatingWrite(gc, inC, data);
        } finally {
            img.meta.unlock();
        }
    }

    /** Under the metadata lock: copy-on-write of the cluster, data first, then the L2 entry. */
    private void allocatingWrite(long gc, int inC, byte[] data) throws IOException {
        Mapping m = lookupLocked(gc);
        if (writableInPlace(m, gc, inC, data.length)) {
            writeHost(L2Table.hostOffset(m.entry()) + inC, data, 0, data.length, (gc << clusterBits) + inC);
            return;
        }
        long e = m.entry();
        long oldHost = L2Table.hostOffset(e);
        boolean own = hasHost(e) && (e & L2Table.COPIED) != 0 && !L2Table.compressed(e);
        if (extended && own) {
            // Subclusters already allocated are written in place (other threads may be writing to them
            // too, so they are never rewritten whole); the others are filled from their current
            // contents (zeroes or the backing file) and then marked allocated.
            int first = inC / subclusterSize;
            int last = (inC + data.length - 1) / subclusterSize;
            long bits = 0;
            for (int sc = first; sc <= last; sc++) {
                int scStart = sc * subclusterSize;
                int from = Math.max(inC, scStart);
                int to = Math.min(inC + data.length, scStart + subclusterSize);
                if (kind(m, gc, scStart) == SubclusterKind.NORMAL) {
                    writeHost(oldHost + from, data, from - inC, to - from, (gc << clusterBits) + from);
                    continue;
                }
                byte[] buf = new byte[subclusterSize];
                if (from != scStart || to != scStart + subclusterSize) {
                    readCluster(m, gc, ByteBuffer.wrap(buf), scStart);
                }
                System.arraycopy(data, from - inC, buf, from - scStart, to - from);
                writeHost(oldHost + scStart, buf, 0, subclusterSize, (gc << clusterBits) + scStart);
                bits |= 1L << sc;
            }
            L2Table t = img.map.writableTable(gc);
            int i = (int) (gc % img.map.l2Entries());
            t.bitmaps[i] = (t.bitmaps[i] | bits) & ~(bits << 32);
            t.dirty = true;
            return;
        }
        byte[] buf = data.length == clusterSize ? data : clusterContents(m, gc);
        if (buf != data) {
            System.arraycopy(data, 0, buf, inC, data.length);
        }
        L2Table t = img.map.writableTable(gc);
        int i = (int) (gc % img.map.l2Entries());
        long host;
        boolean reuse = !extended && own && (e & L2Table.ZERO) != 0;
        if (reuse) {
            host = oldHost;
        } else if (img.header.hasDataFile()) {
            host = gc << clusterBits;
        } else {
            host = img.allocator.allocate(1);
        }
        writeHost(host, buf, 0, clusterSize, gc << clusterBits);
        t.entries[i] = host | L2Table.COPIED;
        if (extended) {
            long alloc = 0;
            for (int sc = 0; sc < 32; sc++) {
                alloc |= 1L << sc;
            }
            t.bitmaps[i] = alloc;
        }
        t.dirty = true;
        releaseOld(e, host);
    }

    private void readCluster(Mapping m, long gc, ByteBuffer dst, int inC) throws IOException {
        int pos = inC;
        while (dst.hasRemaining()) {
            SubclusterKind k = kind(m, gc, pos);
            int n = runLength(m, gc, pos, dst.remaining(), k);
            readRun(m, gc, pos, k, dst.slice(dst.position(), n));
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    /** Queues the drop of the reference an overwritten L2 entry held. */
    private void releaseOld(long oldEntry, long newHost) {
        if (L2Table.compressed(oldEntry)) {
            // The space may be reused for another compressed cluster with the same descriptor.
            lastDecompressed = null;
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
                writeHost(L2Table.hostOffset(m.entry()), cluster, 0, clusterSize, gc << clusterBits);
            } else {
                allocatingWrite(gc, 0, cluster);
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

    /** Makes part of a cluster read as zeroes; whole clusters (or subclusters) without writing data. */
    void zeroCluster(long gc, int inC, int len, boolean discard) throws IOException {
        img.meta.lock();
        try {
            img.prepareMetadataWrite();
            boolean v3 = img.header.version >= 3;
            boolean raw = (img.header.autoclearFeatures & Qcow2Header.AUTOCLEAR_DATA_FILE_RAW) != 0;
            Mapping m = lookupLocked(gc);
            if (inC == 0 && len == clusterSize && !raw && img.encryption == null) {
                long e = m.entry();
                if (e == 0 && m.bitmap() == 0 && img.backing == null) {
                    return;
                }
                if (v3 || img.backing == null) {
                    L2Table t = img.map.writableTable(gc);
                    int i = (int) (gc % img.map.l2Entries());
                    boolean needZero = img.backing != null || !discard;
                    if (extended) {
                        t.entries[i] = 0;
                        t.bitmaps[i] = needZero ? L2Table.ALL_ZERO_BITS : 0;
                    } else {
                        t.entries[i] = needZero && v3 ? L2Table.ZERO : 0;
                    }
                    t.dirty = true;
                    releaseOld(e, -1);
                    return;
                }
            }
            if (extended && !raw && img.encryption == null && inC % subclusterSize == 0
                    && len % subclusterSize == 0 && hasHost(m.entry())
                    && (m.entry() & L2Table.COPIED) != 0 && !L2Table.compressed(m.entry())) {
                L2Table t = img.map.writableTable(gc);
                int i = (int) (gc % img.map.l2Entries());
                long bits = 0;
                for (int sc = inC / subclusterSize; sc < (inC + len) / subclusterSize; sc++) {
                    bits |= 1L << sc;
                }
                t.bitmaps[i] = (t.bitmaps[i] & ~bits) | (bits << 32);
                t.dirty = true;
                return;
            }
            if (extended && !raw && img.encryption == null && inC % subclusterSize == 0
                    && len % subclusterSize == 0 && m.entry() == 0) {
                // No host cluster yet: zero bits alone say "reads as zeroes".
                L2Table t = img.map.writableTable(gc);
                int i = (int) (gc % img.map.l2Entries());
                for (int sc = inC / subclusterSize; sc < (inC + len) / subclusterSize; sc++) {
                    t.bitmaps[i] |= 1L << (32 + sc);
                }
                t.dirty = true;
                return;
            }
            allocatingWrite(gc, inC, new byte[len]);
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
            Mapping m = lookupLocked(gc);
            if (m.entry() == 0 && m.bitmap() == 0) {
                return;
            }
            img.prepareMetadataWrite();
            L2Table t = img.map.writableTable(gc);
            int i = (int) (gc % img.map.l2Entries());
            t.entries[i] = 0;
            if (extended) {
                t.bitmaps[i] = 0;
            }
            t.dirty = true;
            releaseOld(m.entry(), -1);
        } finally {
            img.meta.unlock();
        }
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
