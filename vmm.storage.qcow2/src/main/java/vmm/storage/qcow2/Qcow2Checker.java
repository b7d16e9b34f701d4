package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.block.Checkable.CheckReport;

/**
 * Recounts every reference the metadata makes (header, L1/L2 tables of the active state and of
 * each snapshot, data and compressed clusters, snapshot table, refcount structures, encryption
 * header) and compares the counts with the refcount table, as {@code qemu-img check} does.
 * Runs with the image's exclusive lock held and its metadata flushed.
 */
final class Qcow2Checker {

    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Checker.class);
    private static final int MAX_MESSAGES = 1000;
    /** Bounds the reference count array (512 MiB): a sparse file can claim any size. */
    private static final long MAX_CLUSTERS = 1L << 27;
    private static final long MAX_BITMAP_DIRECTORY = 64L << 20;

    private final Qcow2Image img;
    private final int clusterBits;
    private int[] expected = new int[0];
    private long corruptions;
    private long allocated;
    private final List<String> messages = new ArrayList<>();

    Qcow2Checker(Qcow2Image img) {
        this.img = img;
        this.clusterBits = img.clusterBits;
    }

    private void message(String m) {
        if (messages.size() < MAX_MESSAGES) {
            messages.add(m);
        }
    }

    private void corruption(String m) {
        corruptions++;
        message("ERROR " + m);
    }

    private void ref(long offset, long length, String what) {
        if (length <= 0) {
            return;
        }
        long first = offset >>> clusterBits;
        long last = (offset + length - 1) >>> clusterBits;
        long fileClusters = fileClusters();
        for (long c = first; c <= last; c++) {
            if (c >= fileClusters) {
                corruption(what + " at offset 0x" + Long.toHexString(offset) + " lies past the end of the image");
                return;
            }
            if (c >= expected.length) {
                expected = Arrays.copyOf(expected, (int) Math.min(fileClusters, Math.max(c + 1, expected.length * 2L)));
            }
            if (expected[(int) c] < Integer.MAX_VALUE) {
                expected[(int) c]++;
            }
        }
    }

    private long fileClusters;

    private long fileClusters() {
        return fileClusters;
    }

    /** Clusters to compare: the file and anything referenced past it (qemu-img ignores counts past the end). */
    private long clustersToCompare() {
        return Math.max(expected.length, fileClusters());
    }

    private void countAll() throws IOException {
        fileClusters = (img.file.size() + img.clusterSize - 1) >>> clusterBits;
        if (fileClusters() > MAX_CLUSTERS) {
            throw new java.io.IOException(img.path() + ": image file of " + fileClusters()
                    + " clusters is too large to check");
        }
        expected = new int[(int) fileClusters()];
        corruptions = 0;
        allocated = 0;
        messages.clear();
        Qcow2Header h = img.header;
        ref(0, img.clusterSize, "header");
        walkL1(img.map.l1, h.l1TableOffset, h.l1Size, true, "active L1 table");
        if (h.nbSnapshots > 0) {
            ref(h.snapshotsOffset, img.snapshots.tableBytes(), "snapshot table");
            for (SnapshotEntry s : img.snapshots.entries()) {
                long[] l1;
                try {
                    l1 = ClusterMap.readL1(img.file, s.l1Offset(), s.l1Size(), img.clusterSize, "snapshot L1 table");
                } catch (IOException e) {
                    corruption("snapshot '" + s.name() + "': " + e.getMessage());
                    continue;
                }
                walkL1(l1, s.l1Offset(), s.l1Size(), false, "L1 table of snapshot '" + s.name() + "'");
            }
        }
        ref(img.refcounts.tableOffset(), (long) img.refcounts.tableClusters() << clusterBits, "refcount table");
        long[] blocks = img.refcounts.blockOffsets();
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] != 0) {
                ref(blocks[i], img.clusterSize, "refcount block " + i);
            }
        }
        HeaderExtension crypt = h.extension(HeaderExtension.FULL_DISK_ENCRYPTION);
        if (crypt != null && crypt.data().length >= 16) {
            ByteBuffer b = ByteBuffer.wrap(crypt.data());
            ref(b.getLong(0), b.getLong(8), "encryption header");
        }
        HeaderExtension bitmaps = h.extension(HeaderExtension.BITMAPS);
        if (bitmaps != null && bitmaps.data().length >= 24 && (h.autoclearFeatures & Qcow2Header.AUTOCLEAR_BITMAPS) != 0) {
            countBitmaps(ByteBuffer.wrap(bitmaps.data()));
        }
    }

    /** Persistent dirty bitmaps (only while the autoclear bit vouches for them, as QEMU counts them). */
    private void countBitmaps(ByteBuffer ext) throws IOException {
        int count = ext.getInt(0);
        long dirSize = ext.getLong(8);
        long dirOffset = ext.getLong(16);
        if (count <= 0 || dirSize <= 0 || dirSize > MAX_BITMAP_DIRECTORY) {
            corruption("bitmap directory of " + dirSize + " bytes is invalid");
            return;
        }
        ref(dirOffset, dirSize, "bitmap directory");
        ByteBuffer dir = ByteBuffer.wrap(img.file.readMetadata(dirOffset, (int) dirSize, "bitmap directory"));
        int pos = 0;
        for (int i = 0; i < count && pos + 24 <= dirSize; i++) {
            long tableOffset = dir.getLong(pos);
            long tableEntries = Integer.toUnsignedLong(dir.getInt(pos + 8));
            int nameSize = Short.toUnsignedInt(dir.getShort(pos + 18));
            long extra = Integer.toUnsignedLong(dir.getInt(pos + 20));
            if (tableEntries * 8 > Qcow2Header.MAX_L1_BYTES) {
                corruption("bitmap table of " + tableEntries + " entries is too large");
                return;
            }
            ref(tableOffset, tableEntries * 8, "bitmap table");
            ByteBuffer table = ByteBuffer.wrap(img.file.readMetadata(tableOffset, (int) (tableEntries * 8), "bitmap table"));
            for (int j = 0; j < tableEntries; j++) {
                long data = table.getLong(j * 8) & L2Table.OFFSET_MASK;
                if (data != 0) {
                    ref(data, img.clusterSize, "bitmap data");
                }
            }
            pos += (int) ((24 + extra + nameSize + 7) & ~7L);
        }
    }

    private void walkL1(long[] l1, long l1Offset, int l1Size, boolean active, String what) throws IOException {
        ref(l1Offset, (long) l1Size * 8, what);
        for (int i = 0; i < l1.length; i++) {
            long l2Off = l1[i] & L2Table.OFFSET_MASK;
            if (l2Off == 0) {
                continue;
            }
            if ((l2Off & (img.clusterSize - 1)) != 0 || l2Off + img.clusterSize > img.file.size()) {
                corruption("L2 table offset 0x" + Long.toHexString(l2Off) + " in " + what + " is invalid");
                continue;
            }
            ref(l2Off, img.clusterSize, "L2 table");
            L2Table t = img.map.load(l2Off);
            for (int j = 0; j < t.entries.length; j++) {
                long e = t.entries[j];
                if (L2Table.compressed(e)) {
                    ref(img.compression.rangeStart(e), img.compression.rangeLength(e), "compressed cluster");
                    if (active) {
                        allocated++;
                    }
                    continue;
                }
                long host = L2Table.hostOffset(e);
                if (host == 0) {
                    if (active && img.header.hasDataFile() && (e & L2Table.COPIED) != 0) {
                        allocated++;
                    }
                    continue;
                }
                if ((host & (img.clusterSize - 1)) != 0) {
                    corruption("L2 entry 0x" + Long.toHexString(e) + " points to an unaligned offset");
                    continue;
                }
                if (active) {
                    allocated++;
                }
                if (!img.header.hasDataFile()) {
                    ref(host, img.clusterSize, "data cluster");
                }
            }
        }
    }

    private void checkCopiedFlags() throws IOException {
        long[] l1 = img.map.l1;
        for (int i = 0; i < l1.length; i++) {
            long l2Off = l1[i] & L2Table.OFFSET_MASK;
            if (l2Off == 0 || (l2Off & (img.clusterSize - 1)) != 0 || l2Off + img.clusterSize > img.file.size()) {
                continue;
            }
            long rc = img.refcounts.get(l2Off >>> clusterBits);
            if ((rc == 1) != ((l1[i] & L2Table.COPIED) != 0)) {
                corruption("OFLAG_COPIED L2 cluster: l1_index=" + i + " l1_entry=" + Long.toHexString(l1[i])
                        + " refcount=" + rc);
            }
            L2Table t = img.map.load(l2Off);
            for (int j = 0; j < t.entries.length; j++) {
                long e = t.entries[j];
                long host = L2Table.hostOffset(e);
                if (L2Table.compressed(e)) {
                    if ((e & L2Table.COPIED) != 0) {
                        corruption("OFLAG_COPIED set on compressed cluster: l2_entry=" + Long.toHexString(e));
                    }
                    continue;
                }
                if (host == 0 || img.header.hasDataFile()) {
                    continue;
                }
                long drc = img.refcounts.get(host >>> clusterBits);
                if ((drc == 1) != ((e & L2Table.COPIED) != 0)) {
                    corruption("OFLAG_COPIED data cluster: l2_entry=" + Long.toHexString(e) + " refcount=" + drc);
                }
            }
        }
    }

    /**
     * @param repairLeaks lower counts that are too high
     * @param rebuild     set every count to the number of references (after a crash with lazy refcounts)
     */
    CheckReport check(boolean repairLeaks, boolean rebuild) throws IOException {
        long leaks = 0;
        long fixed = 0;
        for (int round = 0; round < 4; round++) {
            countAll();
            long covered = clustersToCompare();
            leaks = 0;
            long mismatched = 0;
            List<long[]> fixes = new ArrayList<>();
            for (long c = 0; c < covered; c++) {
                long want = c < expected.length ? expected[(int) c] : 0;
                long have = img.refcounts.get(c);
                if (have == want) {
                    continue;
                }
                mismatched++;
                if (have > want) {
                    leaks++;
                    message("Leaked cluster " + c + " refcount=" + have + " reference=" + want);
                    if (repairLeaks || rebuild) {
                        fixes.add(new long[] {c, want});
                    }
                } else {
                    corruption("cluster " + c + " refcount=" + have + " reference=" + want);
                    if (rebuild) {
                        fixes.add(new long[] {c, want});
                    }
                }
            }
            if (fixes.isEmpty() || mismatched == 0) {
                break;
            }
            final int[] exp = expected;
            img.allocator.setReserved(c -> c < exp.length && exp[(int) c] > 0);
            try {
                for (long[] f : fixes) {
                    img.refcounts.ensureBlock(f[0] / img.refcounts.perBlock(), c -> c < exp.length && exp[(int) c] > 0);
                    img.refcounts.set(f[0], Math.min(f[1], img.refcounts.maxRefcount()));
                }
            } finally {
                img.allocator.setReserved(null);
            }
            img.refcounts.writeDirty();
            img.file.force();
            fixed += leaks;
            LOG.info("{}: repaired {} refcount(s)", img.path(), fixes.size());
            if (!rebuild) {
                // A leak repair changes nothing else; recount to report what is left.
                continue;
            }
        }
        checkCopiedFlags();
        long highest = 0;
        long covered = clustersToCompare();
        for (long c = 0; c < covered; c++) {
            if (img.refcounts.get(c) > 0 || (c < expected.length && expected[(int) c] > 0)) {
                highest = c + 1;
            }
        }
        long total = (img.header.size + img.clusterSize - 1) >>> clusterBits;
        return new CheckReport(corruptions, leaks + fixed, fixed, allocated, total, highest << clusterBits,
                List.copyOf(messages));
    }
}
