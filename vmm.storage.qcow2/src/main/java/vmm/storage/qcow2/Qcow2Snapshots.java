package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import vmm.core.block.CorruptImageException;

/**
 * Internal snapshots: the snapshot table and the reference counting that lets a snapshot's
 * L1 table share L2 tables and data clusters with the active one. Called under the image's
 * exclusive lock.
 */
final class Qcow2Snapshots {

    /** QEMU's cap on the whole table (QCOW_MAX_SNAPSHOTS_SIZE). */
    static final long MAX_TABLE_BYTES = 64L << 20;

    private final Qcow2Image img;
    private List<SnapshotEntry> entries;

    Qcow2Snapshots(Qcow2Image img) throws IOException {
        this.img = img;
        this.entries = load(img.file, img.header);
    }

    List<SnapshotEntry> entries() {
        return List.copyOf(entries);
    }

    static List<SnapshotEntry> load(ImageFile file, Qcow2Header h) throws IOException {
        List<SnapshotEntry> out = new ArrayList<>();
        long pos = h.snapshotsOffset;
        long fileSize = file.size();
        int cs = h.clusterSize();
        for (int i = 0; i < h.nbSnapshots; i++) {
            if (pos - h.snapshotsOffset + SnapshotEntry.FIXED > MAX_TABLE_BYTES) {
                throw new CorruptImageException(file.path() + ": snapshot table larger than 64 MiB");
            }
            ByteBuffer f = ByteBuffer.wrap(file.readMetadata(pos, SnapshotEntry.FIXED, "snapshot table entry " + i));
            long l1Off = f.getLong(0);
            int l1Size = f.getInt(8);
            int idLen = Short.toUnsignedInt(f.getShort(12));
            int nameLen = Short.toUnsignedInt(f.getShort(14));
            long dateSec = Integer.toUnsignedLong(f.getInt(16));
            long dateNsec = Integer.toUnsignedLong(f.getInt(20));
            long vmClock = f.getLong(24);
            long vmState = Integer.toUnsignedLong(f.getInt(32));
            long extraLen = Integer.toUnsignedLong(f.getInt(36));
            if (extraLen > SnapshotEntry.MAX_EXTRA) {
                throw new CorruptImageException(file.path() + ": snapshot " + i + " has " + extraLen
                        + " bytes of extra data (limit " + SnapshotEntry.MAX_EXTRA + ")");
            }
            if (h.version >= 3 && extraLen < 16) {
                throw new CorruptImageException(file.path() + ": snapshot " + i
                        + " lacks the extra data version 3 requires");
            }
            int rest = (int) extraLen + idLen + nameLen;
            byte[] tail = file.readMetadata(pos + SnapshotEntry.FIXED, rest, "snapshot table entry " + i);
            ByteBuffer t = ByteBuffer.wrap(tail);
            byte[] extra = new byte[(int) extraLen];
            t.get(0, extra);
            long diskSize = h.size;
            long icount = -1;
            if (extraLen >= 8) {
                vmState = t.getLong(0);
            }
            if (extraLen >= 16) {
                diskSize = t.getLong(8);
            }
            if (extraLen >= 24) {
                icount = t.getLong(16);
            }
            String id = new String(tail, (int) extraLen, idLen, StandardCharsets.UTF_8);
            String name = new String(tail, (int) extraLen + idLen, nameLen, StandardCharsets.UTF_8);
            if ((long) l1Size * 8 > Qcow2Header.MAX_L1_BYTES || l1Size < 0) {
                throw new CorruptImageException(file.path() + ": snapshot '" + name + "' has an L1 table of "
                        + Integer.toUnsignedString(l1Size) + " entries, over the 32 MiB limit");
            }
            if (l1Size > 0 && (l1Off <= 0 || (l1Off & (cs - 1)) != 0 || l1Off + (long) l1Size * 8 > fileSize)) {
                throw new CorruptImageException(file.path() + ": snapshot '" + name + "' L1 table offset 0x"
                        + Long.toHexString(l1Off) + " is unaligned or past the end of the file");
            }
            SnapshotEntry e = new SnapshotEntry(l1Off, l1Size, id, name, dateSec, dateNsec, vmClock, vmState,
                    diskSize, icount, extra);
            out.add(e);
            pos += e.storedLength();
        }
        return out;
    }

    long tableBytes() {
        long n = 0;
        for (SnapshotEntry e : entries) {
            n += e.storedLength();
        }
        return n;
    }

    private SnapshotEntry find(String idOrName) throws IOException {
        for (SnapshotEntry e : entries) {
            if (e.id().equals(idOrName)) {
                return e;
            }
        }
        for (SnapshotEntry e : entries) {
            if (e.name().equals(idOrName)) {
                return e;
            }
        }
        throw new IOException(img.path() + ": no snapshot '" + idOrName + "'");
    }

    void create(String name) throws IOException {
        if (img.header.hasDataFile()) {
            throw new IOException(img.path() + ": snapshots are not supported with an external data file");
        }
        if (entries.stream().anyMatch(e -> e.name().equals(name))) {
            throw new IOException(img.path() + ": a snapshot named '" + name + "' already exists");
        }
        if (entries.size() >= Qcow2Header.MAX_SNAPSHOTS) {
            throw new IOException(img.path() + ": too many snapshots");
        }
        long nextId = 1;
        for (SnapshotEntry e : entries) {
            try {
                nextId = Math.max(nextId, Long.parseLong(e.id()) + 1);
            } catch (NumberFormatException ignored) {
                // Non-numeric ids do not take part in numbering, as in QEMU.
            }
        }
        img.flushMetadata();
        adjustTree(img.map.l1, 1);
        refreshCopiedFlags();
        long[] l1 = img.map.l1.clone();
        int l1Size = img.header.l1Size;
        long l1Off = 0;
        if (l1Size > 0) {
            l1Off = img.allocator.allocate(clusters((long) l1Size * 8));
            img.file.write(l1Off, l1Bytes(l1, l1Size));
        }
        Instant now = Instant.now();
        List<SnapshotEntry> next = new ArrayList<>(entries);
        // No VM state and no instruction count: qemu-img writes zeroes there as well.
        next.add(new SnapshotEntry(l1Off, l1Size, Long.toString(nextId), name, now.getEpochSecond(), now.getNano(),
                0, 0, img.header.size, 0, null));
        writeTable(next);
    }

    void apply(String idOrName) throws IOException {
        SnapshotEntry sn = find(idOrName);
        img.flushMetadata();
        long[] snapL1 = ClusterMap.readL1(img.file, sn.l1Offset(), sn.l1Size(), img.clusterSize,
                "L1 table of snapshot '" + sn.name() + "'");
        if (sn.l1Size() > img.header.l1Size) {
            new Qcow2Resizer(img).growL1(sn.l1Size());
        }
        adjustTree(snapL1, 1);
        img.flushMetadata();
        long[] oldL1 = img.map.l1.clone();
        long[] newL1 = new long[img.header.l1Size];
        System.arraycopy(snapL1, 0, newL1, 0, snapL1.length);
        img.file.write(img.header.l1TableOffset, l1Bytes(newL1, newL1.length));
        img.file.force();
        img.map.replaceL1(newL1);
        img.map.dropCache();
        adjustTree(oldL1, -1);
        img.header.size = sn.diskSize();
        img.writeHeader();
        refreshCopiedFlags();
        img.flushMetadata();
    }

    void delete(String idOrName) throws IOException {
        SnapshotEntry sn = find(idOrName);
        img.flushMetadata();
        long[] snapL1 = ClusterMap.readL1(img.file, sn.l1Offset(), sn.l1Size(), img.clusterSize,
                "L1 table of snapshot '" + sn.name() + "'");
        List<SnapshotEntry> next = new ArrayList<>(entries);
        next.remove(sn);
        writeTable(next);
        adjustTree(snapL1, -1);
        if (sn.l1Size() > 0) {
            img.allocator.freeNow(sn.l1Offset(), (long) sn.l1Size() * 8);
        }
        img.map.dropCache();
        refreshCopiedFlags();
        img.flushMetadata();
    }

    private int clusters(long bytes) {
        return (int) ((bytes + img.clusterSize - 1) / img.clusterSize);
    }

    static ByteBuffer l1Bytes(long[] l1, int size) {
        ByteBuffer b = ByteBuffer.allocate(size * 8);
        for (int i = 0; i < size && i < l1.length; i++) {
            b.putLong(i * 8, l1[i]);
        }
        return b;
    }

    /** Writes a new table in fresh clusters, points the header at it, then frees the old one. */
    private void writeTable(List<SnapshotEntry> next) throws IOException {
        long bytes = 0;
        for (SnapshotEntry e : next) {
            bytes += e.storedLength();
        }
        if (bytes > MAX_TABLE_BYTES) {
            throw new IOException(img.path() + ": snapshot table would exceed 64 MiB");
        }
        long off = 0;
        if (!next.isEmpty()) {
            off = img.allocator.allocate(clusters(bytes));
            ByteBuffer b = ByteBuffer.allocate((int) bytes);
            for (SnapshotEntry e : next) {
                e.writeTo(b);
            }
            b.flip();
            img.file.write(off, b);
        }
        img.flushMetadata();
        long oldOff = img.header.snapshotsOffset;
        long oldBytes = tableBytes();
        img.header.snapshotsOffset = off;
        img.header.nbSnapshots = next.size();
        img.writeHeader();
        entries = next;
        if (oldOff != 0 && oldBytes > 0) {
            img.allocator.freeLater(oldOff, oldBytes);
        }
        img.flushMetadata();
    }

    /**
     * Adds {@code delta} to the refcount of every L2 table and cluster an L1 table reaches.
     * All or nothing: when a counter would overflow (narrow refcounts), the changes made so far
     * are undone before the error propagates.
     */
    private void adjustTree(long[] l1, int delta) throws IOException {
        List<Long> done = new ArrayList<>();
        try {
            for (long l1e : l1) {
                long l2Off = l1e & L2Table.OFFSET_MASK;
                if (l2Off == 0) {
                    continue;
                }
                L2Table t = img.map.load(l2Off);
                for (int i = 0; i < t.entries.length; i++) {
                    long e = t.entries[i];
                    if (L2Table.compressed(e)) {
                        long start = img.compression.rangeStart(e);
                        long len = img.compression.rangeLength(e);
                        for (long c = start >>> img.clusterBits; c <= (start + len - 1) >>> img.clusterBits; c++) {
                            img.refcounts.add(c, delta);
                            done.add(c);
                        }
                    } else if (L2Table.hostOffset(e) != 0) {
                        img.refcounts.add(L2Table.hostOffset(e) >>> img.clusterBits, delta);
                        done.add(L2Table.hostOffset(e) >>> img.clusterBits);
                    }
                }
                img.refcounts.add(l2Off >>> img.clusterBits, delta);
                done.add(l2Off >>> img.clusterBits);
            }
        } catch (IOException | RuntimeException e) {
            for (long c : done.reversed()) {
                img.refcounts.add(c, -delta);
            }
            throw e;
        }
    }

    /** Sets the COPIED flag on active L1 and L2 entries exactly when the refcount is 1. */
    void refreshCopiedFlags() throws IOException {
        long[] l1 = img.map.l1;
        for (int i = 0; i < l1.length; i++) {
            long l2Off = l1[i] & L2Table.OFFSET_MASK;
            if (l2Off == 0) {
                continue;
            }
            long want = img.refcounts.get(l2Off >>> img.clusterBits) == 1 ? L2Table.COPIED : 0;
            if ((l1[i] & L2Table.COPIED) != want) {
                l1[i] = (l1[i] & ~L2Table.COPIED) | want;
                img.map.markL1Dirty(i);
            }
            L2Table t = img.map.load(l2Off);
            for (int j = 0; j < t.entries.length; j++) {
                long e = t.entries[j];
                long host = L2Table.hostOffset(e);
                long w = 0;
                if (!L2Table.compressed(e) && host != 0) {
                    w = img.refcounts.get(host >>> img.clusterBits) == 1 ? L2Table.COPIED : 0;
                }
                if ((e & L2Table.COPIED) != w) {
                    t.entries[j] = (e & ~L2Table.COPIED) | w;
                    t.dirty = true;
                }
            }
        }
    }
}
