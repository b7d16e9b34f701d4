package vmm.storage.qcow2;

import java.io.IOException;

/** Changes the virtual size: grows the L1 table when needed, unmaps clusters past a new, smaller end. */
final class Qcow2Resizer {

    private final Qcow2Image img;

    Qcow2Resizer(Qcow2Image img) {
        this.img = img;
    }

    void resize(long newSize) throws IOException {
        if (newSize < 0) {
            throw new IOException(img.path() + ": negative size");
        }
        long old = img.header.size;
        if (newSize < old) {
            if (img.header.nbSnapshots > 0) {
                throw new IOException(img.path() + ": cannot shrink an image that has internal snapshots");
            }
            long firstGone = (newSize + img.clusterSize - 1) >>> img.clusterBits;
            long lastGc = (old - 1) >>> img.clusterBits;
            for (long gc = firstGone; gc <= lastGc; gc++) {
                L2Table t = img.map.table(gc);
                if (t == null) {
                    gc = (gc / img.map.l2Entries() + 1) * img.map.l2Entries() - 1;
                    continue;
                }
                int i = (int) (gc % img.map.l2Entries());
                long e = t.entries[i];
                if (e == 0 && (t.bitmaps == null || t.bitmaps[i] == 0)) {
                    continue;
                }
                t = img.map.writableTable(gc);
                t.entries[i] = 0;
                if (t.bitmaps != null) {
                    t.bitmaps[i] = 0;
                }
                t.dirty = true;
                if (L2Table.compressed(e)) {
                    img.allocator.freeLater(img.compression.rangeStart(e), img.compression.rangeLength(e));
                } else if (L2Table.hostOffset(e) != 0 && !img.header.hasDataFile()) {
                    img.allocator.freeLater(L2Table.hostOffset(e), img.clusterSize);
                }
            }
            img.flushMetadata();
        } else {
            long needed = img.header.l1EntriesFor(newSize);
            if (needed > img.header.l1Size) {
                growL1((int) needed);
            }
        }
        img.header.size = newSize;
        img.writeHeader();
    }

    /** Moves the active L1 table to a larger one; the old clusters are freed once the header points away. */
    void growL1(int entries) throws IOException {
        if ((long) entries * 8 > Qcow2Header.MAX_L1_BYTES) {
            throw new IOException(img.path() + ": L1 table would exceed 32 MiB");
        }
        img.flushMetadata();
        long[] newL1 = new long[entries];
        System.arraycopy(img.map.l1, 0, newL1, 0, img.map.l1.length);
        long bytes = (long) entries * 8;
        long off = img.allocator.allocate((int) ((bytes + img.clusterSize - 1) / img.clusterSize));
        img.flushMetadata();
        img.file.write(off, Qcow2Snapshots.l1Bytes(newL1, entries));
        img.file.force();
        long oldOff = img.header.l1TableOffset;
        int oldSize = img.header.l1Size;
        img.header.l1TableOffset = off;
        img.header.l1Size = entries;
        img.writeHeader();
        img.map.replaceL1(newL1);
        if (oldSize > 0) {
            img.allocator.freeNow(oldOff, (long) oldSize * 8);
        }
        img.flushMetadata();
    }
}
