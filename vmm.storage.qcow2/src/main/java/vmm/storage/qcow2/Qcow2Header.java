package vmm.storage.qcow2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import vmm.core.block.CorruptImageException;

/**
 * The fixed header and its extensions (qcow2.rst, "Header"). Fields are mutable because the
 * image rewrites the header in place when sizes, tables or the backing file change.
 */
final class Qcow2Header {

    static final int MAGIC = 0x514649fb;
    static final int V2_LENGTH = 72;
    static final int V3_LENGTH = 104;
    /** QEMU writes 112: 104 plus the compression type byte, padded to 8. */
    static final int V3_LENGTH_WITH_COMPRESSION = 112;

    static final long INCOMPAT_DIRTY = 1L;
    static final long INCOMPAT_CORRUPT = 1L << 1;
    static final long INCOMPAT_DATA_FILE = 1L << 2;
    static final long INCOMPAT_COMPRESSION = 1L << 3;
    static final long INCOMPAT_EXTENDED_L2 = 1L << 4;
    static final long INCOMPAT_KNOWN = 0x1fL;
    static final long COMPAT_LAZY_REFCOUNTS = 1L;
    static final long AUTOCLEAR_BITMAPS = 1L;
    static final long AUTOCLEAR_DATA_FILE_RAW = 1L << 1;

    static final int CRYPT_NONE = 0;
    static final int CRYPT_AES = 1;
    static final int CRYPT_LUKS = 2;

    static final int COMPRESSION_ZLIB = 0;
    static final int COMPRESSION_ZSTD = 1;

    /** Limits QEMU applies; beyond them an image is treated as hostile. */
    static final long MAX_L1_BYTES = 32L << 20;
    static final long MAX_REFTABLE_BYTES = 8L << 20;
    static final int MAX_SNAPSHOTS = 65536;
    static final int MAX_BACKING_NAME = 1023;

    int version;
    int clusterBits;
    long size;
    int cryptMethod;
    int l1Size;
    long l1TableOffset;
    long refcountTableOffset;
    int refcountTableClusters;
    int nbSnapshots;
    long snapshotsOffset;
    long incompatibleFeatures;
    long compatibleFeatures;
    long autoclearFeatures;
    int refcountOrder = 4;
    int headerLength;
    int compressionType;
    String backingFile;
    /** Extensions in file order; known ones are rebuilt from the fields below when written. */
    final List<HeaderExtension> extensions = new ArrayList<>();

    int clusterSize() {
        return 1 << clusterBits;
    }

    int refcountBits() {
        return 1 << refcountOrder;
    }

    boolean extendedL2() {
        return (incompatibleFeatures & INCOMPAT_EXTENDED_L2) != 0;
    }

    boolean hasDataFile() {
        return (incompatibleFeatures & INCOMPAT_DATA_FILE) != 0;
    }

    /** Bytes of one L2 entry: 8, or 16 with subcluster bitmaps. */
    int l2EntryBytes() {
        return extendedL2() ? 16 : 8;
    }

    int l2Entries() {
        return clusterSize() / l2EntryBytes();
    }

    /** L1 entries needed to map {@code virtualSize} bytes. */
    long l1EntriesFor(long virtualSize) {
        long perL1 = (long) l2Entries() * clusterSize();
        return (virtualSize + perL1 - 1) / perL1;
    }

    HeaderExtension extension(int type) {
        // A loop, not a stream: the first data write asks for this, and spinning a lambda then costs milliseconds.
        for (HeaderExtension e : extensions) {
            if (e.type() == type) {
                return e;
            }
        }
        return null;
    }

    String extensionString(int type) {
        HeaderExtension e = extension(type);
        return e == null ? null : new String(e.data(), StandardCharsets.UTF_8);
    }

    void setExtension(int type, byte[] data) {
        extensions.removeIf(e -> e.type() == type);
        if (data != null) {
            extensions.add(new HeaderExtension(type, data));
        }
    }

    String backingFormat() {
        return extensionString(HeaderExtension.BACKING_FORMAT);
    }

    String dataFile() {
        return extensionString(HeaderExtension.EXTERNAL_DATA_FILE);
    }

    static Qcow2Header parse(byte[] buf, Path path, long fileSize) throws CorruptImageException {
        if (buf.length < V2_LENGTH) {
            throw new CorruptImageException(path + ": file too short for a qcow2 header");
        }
        ByteBuffer b = ByteBuffer.wrap(buf);
        if (b.getInt(0) != MAGIC) {
            throw new CorruptImageException(path + ": not a qcow2 image (bad magic)");
        }
        Qcow2Header h = new Qcow2Header();
        h.version = b.getInt(4);
        if (h.version != 2 && h.version != 3) {
            throw new CorruptImageException(path + ": unsupported qcow2 version " + h.version);
        }
        long backingOffset = b.getLong(8);
        int backingSize = b.getInt(16);
        h.clusterBits = b.getInt(20);
        if (h.clusterBits < 9 || h.clusterBits > 21) {
            throw new CorruptImageException(path + ": cluster_bits " + h.clusterBits + " outside 9..21");
        }
        int cs = h.clusterSize();
        h.size = b.getLong(24);
        if (h.size < 0) {
            throw new CorruptImageException(path + ": negative virtual size");
        }
        h.cryptMethod = b.getInt(32);
        h.l1Size = b.getInt(36);
        h.l1TableOffset = b.getLong(40);
        h.refcountTableOffset = b.getLong(48);
        h.refcountTableClusters = b.getInt(56);
        h.nbSnapshots = b.getInt(60);
        h.snapshotsOffset = b.getLong(64);
        if (h.version == 3) {
            if (buf.length < V3_LENGTH) {
                throw new CorruptImageException(path + ": file too short for a version 3 header");
            }
            h.incompatibleFeatures = b.getLong(72);
            h.compatibleFeatures = b.getLong(80);
            h.autoclearFeatures = b.getLong(88);
            h.refcountOrder = b.getInt(96);
            h.headerLength = b.getInt(100);
            if (h.headerLength < V3_LENGTH || h.headerLength > cs || h.headerLength > buf.length
                    || (h.headerLength & 7) != 0) {
                throw new CorruptImageException(path + ": invalid header_length " + h.headerLength);
            }
            if (h.headerLength > V3_LENGTH) {
                h.compressionType = buf[104] & 0xff;
            }
        } else {
            h.refcountOrder = 4;
            h.headerLength = V2_LENGTH;
        }
        if (h.refcountOrder < 0 || h.refcountOrder > 6) {
            throw new CorruptImageException(path + ": refcount_order " + h.refcountOrder + " outside 0..6");
        }
        if (h.compressionType > COMPRESSION_ZSTD) {
            throw new CorruptImageException(path + ": unknown compression type " + h.compressionType);
        }
        if (h.compressionType != COMPRESSION_ZLIB && (h.incompatibleFeatures & INCOMPAT_COMPRESSION) == 0) {
            throw new CorruptImageException(path + ": compression type " + h.compressionType
                    + " set without the compression type feature bit");
        }
        if (h.extendedL2() && h.clusterBits < 14) {
            throw new CorruptImageException(path + ": extended L2 entries need clusters of 16 KiB or more");
        }
        if ((long) h.l1Size * 8 > MAX_L1_BYTES || h.l1Size < 0) {
            throw new CorruptImageException(path + ": L1 table of " + Integer.toUnsignedString(h.l1Size)
                    + " entries is larger than the 32 MiB limit");
        }
        long perL1 = (long) h.l2Entries() * cs;
        if (h.size > (long) h.l1Size * perL1) {
            throw new CorruptImageException(path + ": L1 table of " + h.l1Size
                    + " entries is too small for a virtual size of " + h.size);
        }
        if ((long) h.refcountTableClusters * cs > MAX_REFTABLE_BYTES || h.refcountTableClusters < 0) {
            throw new CorruptImageException(path + ": refcount table of "
                    + Integer.toUnsignedString(h.refcountTableClusters) + " clusters is larger than the 8 MiB limit");
        }
        if (h.refcountTableClusters == 0) {
            throw new CorruptImageException(path + ": refcount table has no clusters");
        }
        if (h.nbSnapshots < 0 || h.nbSnapshots > MAX_SNAPSHOTS) {
            throw new CorruptImageException(path + ": " + Integer.toUnsignedString(h.nbSnapshots)
                    + " snapshots exceeds the limit of " + MAX_SNAPSHOTS);
        }
        checkTable(path, "L1 table", h.l1TableOffset, (long) h.l1Size * 8, cs, fileSize, h.l1Size > 0);
        checkTable(path, "refcount table", h.refcountTableOffset, (long) h.refcountTableClusters * cs, cs,
                fileSize, true);
        checkTable(path, "snapshot table", h.snapshotsOffset, 0, cs, fileSize, h.nbSnapshots > 0);
        if (overlaps(h.l1TableOffset, (long) h.l1Size * 8, 0, cs)) {
            throw new CorruptImageException(path + ": L1 table overlaps the header");
        }
        if (overlaps(h.refcountTableOffset, (long) h.refcountTableClusters * cs, 0, cs)) {
            throw new CorruptImageException(path + ": refcount table overlaps the header");
        }
        if (overlaps(h.l1TableOffset, (long) h.l1Size * 8, h.refcountTableOffset,
                (long) h.refcountTableClusters * cs)) {
            throw new CorruptImageException(path + ": refcount table overlaps the L1 table");
        }
        int extEnd = backingOffset != 0 ? (int) Math.min(backingOffset, cs) : Math.min(cs, buf.length);
        h.parseExtensions(buf, path, extEnd);
        if (backingOffset != 0) {
            if (backingSize > MAX_BACKING_NAME || backingSize < 0 || backingOffset + backingSize > cs
                    || backingOffset + backingSize > buf.length) {
                throw new CorruptImageException(path + ": backing file name at " + backingOffset + " ("
                        + backingSize + " bytes) does not fit in the first cluster");
            }
            h.backingFile = new String(buf, (int) backingOffset, backingSize, StandardCharsets.UTF_8);
        }
        return h;
    }

    private static boolean overlaps(long a, long alen, long b, long blen) {
        return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
    }

    private static void checkTable(Path path, String what, long offset, long length, int cs, long fileSize,
            boolean present) throws CorruptImageException {
        if (!present) {
            return;
        }
        if (offset <= 0 || (offset & (cs - 1)) != 0) {
            throw new CorruptImageException(path + ": " + what + " offset " + offset
                    + " is not a non-zero multiple of the cluster size");
        }
        if (offset + length > fileSize || offset + length < 0) {
            throw new CorruptImageException(path + ": " + what + " at " + offset + " (" + length
                    + " bytes) lies past the end of the file (" + fileSize + " bytes)");
        }
    }

    private void parseExtensions(byte[] buf, Path path, int end) throws CorruptImageException {
        int pos = headerLength;
        ByteBuffer b = ByteBuffer.wrap(buf);
        while (pos + 8 <= end) {
            int type = b.getInt(pos);
            long len = Integer.toUnsignedLong(b.getInt(pos + 4));
            if (type == 0) {
                return;
            }
            if (pos + 8 + len > end) {
                throw new CorruptImageException(path + ": header extension 0x" + Integer.toHexString(type)
                        + " of " + len + " bytes runs past the header cluster");
            }
            byte[] data = new byte[(int) len];
            System.arraycopy(buf, pos + 8, data, 0, (int) len);
            extensions.add(new HeaderExtension(type, data));
            pos += 8 + (int) ((len + 7) & ~7L);
        }
    }

    /** Names of the incompatible feature bits the table extension describes, or a generic name. */
    String incompatibleFeatureName(int bit) {
        HeaderExtension t = extension(HeaderExtension.FEATURE_NAME_TABLE);
        if (t != null) {
            for (int i = 0; i + 48 <= t.data().length; i += 48) {
                if (t.data()[i] == 0 && (t.data()[i + 1] & 0xff) == bit) {
                    int n = 0;
                    while (n < 46 && t.data()[i + 2 + n] != 0) {
                        n++;
                    }
                    return new String(t.data(), i + 2, n, StandardCharsets.UTF_8);
                }
            }
        }
        return "unknown incompatible feature bit " + bit;
    }

    /** The feature name table QEMU writes into version 3 images. */
    static byte[] standardFeatureTable() {
        Object[][] features = {
                {0, 0, "dirty bit"}, {0, 1, "corrupt bit"}, {0, 2, "external data file"},
                {0, 3, "compression type"}, {0, 4, "extended L2 entries"},
                {1, 0, "lazy refcounts"}, {2, 0, "bitmaps"}, {2, 1, "raw external data"}};
        ByteBuffer b = ByteBuffer.allocate(48 * features.length);
        for (int i = 0; i < features.length; i++) {
            b.put(i * 48, (byte) (int) (Integer) features[i][0]);
            b.put(i * 48 + 1, (byte) (int) (Integer) features[i][1]);
            byte[] name = ((String) features[i][2]).getBytes(StandardCharsets.US_ASCII);
            b.put(i * 48 + 2, name);
        }
        return b.array();
    }

    /** Serialises header, extensions and backing file name into the first cluster. */
    byte[] toBytes(Path path) throws CorruptImageException {
        int cs = clusterSize();
        ByteBuffer b = ByteBuffer.allocate(cs);
        int fixed = version == 3 ? headerLength : V2_LENGTH;
        b.putInt(0, MAGIC);
        b.putInt(4, version);
        b.putInt(20, clusterBits);
        b.putLong(24, size);
        b.putInt(32, cryptMethod);
        b.putInt(36, l1Size);
        b.putLong(40, l1TableOffset);
        b.putLong(48, refcountTableOffset);
        b.putInt(56, refcountTableClusters);
        b.putInt(60, nbSnapshots);
        b.putLong(64, snapshotsOffset);
        if (version == 3) {
            b.putLong(72, incompatibleFeatures);
            b.putLong(80, compatibleFeatures);
            b.putLong(88, autoclearFeatures);
            b.putInt(96, refcountOrder);
            b.putInt(100, headerLength);
            if (headerLength > V3_LENGTH) {
                b.put(104, (byte) compressionType);
            }
        }
        int pos = fixed;
        int needed = fixed + 8 + (backingFile == null ? 0 : backingFile.getBytes(StandardCharsets.UTF_8).length);
        for (HeaderExtension e : extensions) {
            needed += e.storedLength();
        }
        // The feature name table is only informational; like QEMU, leave it out when the cluster is too small.
        boolean dropNames = needed > cs;
        for (HeaderExtension e : extensions) {
            if (dropNames && e.type() == HeaderExtension.FEATURE_NAME_TABLE) {
                continue;
            }
            if (pos + e.storedLength() + 8 > cs) {
                throw new CorruptImageException(path + ": header extensions do not fit in one cluster");
            }
            b.putInt(pos, e.type());
            b.putInt(pos + 4, e.data().length);
            b.put(pos + 8, e.data());
            pos += e.storedLength();
        }
        pos += 8; // end-of-extensions marker (zeroes)
        if (backingFile != null) {
            byte[] name = backingFile.getBytes(StandardCharsets.UTF_8);
            if (name.length > MAX_BACKING_NAME || pos + name.length > cs) {
                throw new CorruptImageException(path + ": backing file name too long");
            }
            b.putLong(8, pos);
            b.putInt(16, name.length);
            b.put(pos, name);
            pos += name.length;
        }
        byte[] out = new byte[Math.max(pos, fixed)];
        b.get(0, out);
        return out;
    }
}
