package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.CreateOptions;
import vmm.core.block.OpenOptions;

/**
 * Creates an image from qemu-img's {@code -o} options. It writes the smallest valid image
 * (header, refcount table, one refcount block) and then grows it through the same code
 * that grows open images, so creation needs no separate layout arithmetic.
 */
final class Qcow2Creator {

    static final Set<String> KEYS = Set.of("size", "compat", "cluster_size", "refcount_bits", "backing_file",
            "backing_fmt", "lazy_refcounts", "extended_l2", "compression_type", "data_file", "data_file_raw",
            "preallocation", "encrypt.format", "encrypt.key-secret", "encrypt.cipher-alg", "encrypt.cipher-mode",
            "encrypt.ivgen-alg", "encrypt.hash-alg", "encrypt.iter-time");

    private final Path path;
    private final CreateOptions options;
    private final BlockFormats formats;
    private final Qcow2Format format;

    Qcow2Creator(Path path, CreateOptions options, BlockFormats formats, Qcow2Format format) {
        this.path = path;
        this.options = options;
        this.formats = formats;
        this.format = format;
    }

    static long parseSize(String key, String v) throws IOException {
        String s = v.trim().toLowerCase(Locale.ROOT);
        long mult = 1;
        if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> mult = 1L << 10;
                case 'm' -> mult = 1L << 20;
                case 'g' -> mult = 1L << 30;
                case 't' -> mult = 1L << 40;
                default -> mult = 1;
            }
            if (mult != 1) {
                s = s.substring(0, s.length() - 1);
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(s), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IOException("invalid value '" + v + "' for option " + key);
        }
    }

    private static boolean parseBool(String key, String v) throws IOException {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IOException("invalid value '" + v + "' for option " + key + " (use on or off)");
        };
    }

    void create() throws IOException {
        Map<String, String> o = options.options();
        for (String k : o.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IOException("qcow2 does not support the option '" + k + "'");
            }
        }
        if (Files.exists(path)) {
            throw new IOException(path + ": file exists");
        }
        int version = switch (o.getOrDefault("compat", "1.1")) {
            case "0.10", "v2" -> 2;
            case "1.1", "v3" -> 3;
            default -> throw new IOException("invalid compat level '" + o.get("compat") + "' (0.10, 1.1, v2, v3)");
        };
        long cs = parseSize("cluster_size", o.getOrDefault("cluster_size", "65536"));
        if (Long.bitCount(cs) != 1 || cs < 512 || cs > (2 << 20)) {
            throw new IOException("cluster_size must be a power of two between 512 and 2M, not " + cs);
        }
        int refcountBits = (int) parseSize("refcount_bits", o.getOrDefault("refcount_bits", "16"));
        if (Integer.bitCount(refcountBits) != 1 || refcountBits > 64) {
            throw new IOException("refcount_bits must be a power of two up to 64, not " + refcountBits);
        }
        if (version == 2 && refcountBits != 16) {
            throw new IOException("compat 0.10 images only support refcount_bits=16");
        }
        boolean lazy = parseBool("lazy_refcounts", o.getOrDefault("lazy_refcounts", "off"));
        boolean extL2 = parseBool("extended_l2", o.getOrDefault("extended_l2", "off"));
        String ctype = o.getOrDefault("compression_type", "zlib");
        if (!ctype.equals("zlib") && !ctype.equals("zstd")) {
            throw new IOException("invalid compression_type '" + ctype + "' (zlib or zstd)");
        }
        String dataFile = o.get("data_file");
        boolean dataRaw = parseBool("data_file_raw", o.getOrDefault("data_file_raw", "off"));
        String prealloc = o.getOrDefault("preallocation", "off");
        if (!prealloc.equals("off") && !prealloc.equals("metadata")) {
            throw new IOException("unsupported preallocation mode '" + prealloc + "' (off or metadata)");
        }
        String encrypt = o.get("encrypt.format");
        if (encrypt != null && !encrypt.equals("luks")) {
            throw new IOException("unsupported encrypt.format '" + encrypt + "' (only luks)");
        }
        if (encrypt != null && o.get("encrypt.key-secret") == null) {
            throw new IOException("encrypt.format=luks needs encrypt.key-secret");
        }
        if (encrypt != null && prealloc.equals("metadata")) {
            throw new IOException("preallocation=metadata is not supported with encryption");
        }
        if (version == 2 && (lazy || extL2 || ctype.equals("zstd") || dataFile != null)) {
            throw new IOException("lazy_refcounts, extended_l2, compression_type=zstd and data_file need compat=1.1");
        }
        if (extL2 && cs < 16384) {
            throw new IOException("extended_l2 needs cluster_size of at least 16k");
        }
        if (dataRaw && dataFile == null) {
            throw new IOException("data_file_raw needs data_file");
        }
        String backingFile = o.get("backing_file");
        String backingFmt = o.get("backing_fmt");
        if (backingFile != null && dataRaw) {
            throw new IOException("data_file_raw cannot be used with a backing file");
        }
        long size = options.size();
        if (o.containsKey("size")) {
            size = parseSize("size", o.get("size"));
        }
        if (backingFile != null) {
            Path bp = Qcow2Format.resolve(path, backingFile);
            try (BlockImage b = formats.open(bp, backingFmt, OpenOptions.readOnlyImage().withNoBacking(true))) {
                if (size == 0) {
                    size = b.size();
                }
            }
            if (backingFmt == null) {
                backingFmt = formats.probe(bp).name();
            }
        }
        if (size < 0) {
            throw new IOException("negative size");
        }
        // Like qemu-img, virtual sizes are whole 512-byte sectors.
        size = (size + 511) & ~511L;

        Qcow2Header h = new Qcow2Header();
        h.version = version;
        h.clusterBits = Long.numberOfTrailingZeros(cs);
        h.refcountOrder = Integer.numberOfTrailingZeros(refcountBits);
        h.refcountTableOffset = cs;
        h.refcountTableClusters = 1;
        if (version == 3) {
            h.headerLength = Qcow2Header.V3_LENGTH_WITH_COMPRESSION;
            h.compatibleFeatures = lazy ? Qcow2Header.COMPAT_LAZY_REFCOUNTS : 0;
            if (extL2) {
                h.incompatibleFeatures |= Qcow2Header.INCOMPAT_EXTENDED_L2;
            }
            if (ctype.equals("zstd")) {
                h.incompatibleFeatures |= Qcow2Header.INCOMPAT_COMPRESSION;
                h.compressionType = Qcow2Header.COMPRESSION_ZSTD;
            }
            if (dataFile != null) {
                h.incompatibleFeatures |= Qcow2Header.INCOMPAT_DATA_FILE;
                h.autoclearFeatures |= dataRaw ? Qcow2Header.AUTOCLEAR_DATA_FILE_RAW : 0;
            }
        }
        if (backingFile != null) {
            h.backingFile = backingFile;
            if (backingFmt != null) {
                h.setExtension(HeaderExtension.BACKING_FORMAT, backingFmt.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (dataFile != null) {
            h.setExtension(HeaderExtension.EXTERNAL_DATA_FILE, dataFile.getBytes(StandardCharsets.UTF_8));
        }
        if (version == 3) {
            h.setExtension(HeaderExtension.FEATURE_NAME_TABLE, Qcow2Header.standardFeatureTable());
        }

        if (dataFile != null) {
            Path dp = Qcow2Format.resolve(path, dataFile);
            try (ImageFile d = ImageFile.createOrTruncate(dp)) {
                d.extendTo(size);
            }
        }
        try (ImageFile f = ImageFile.create(path)) {
            byte[] hb = h.toBytes(path);
            f.write(0, ByteBuffer.wrap(hb));
            ByteBuffer table = ByteBuffer.allocate((int) cs);
            table.putLong(0, 2 * cs);
            f.write(cs, table);
            byte[] block = new byte[(int) cs];
            // Clusters 0..2 (header, table, block) have refcount 1; encode with the block's own width.
            for (int c = 0; c < 3; c++) {
                setRefcount(block, h.refcountOrder, c, 1);
            }
            f.write(2 * cs, block);
            f.force();
        }
        try (Qcow2Image img = (Qcow2Image) format.open(path, OpenOptions.readWrite().withNoBacking(true), formats)) {
            if (encrypt != null) {
                LuksSupport.create(img, o);
            }
            img.resize(size);
            if (prealloc.equals("metadata")) {
                img.preallocateMetadata();
            }
        }
    }

    static void setRefcount(byte[] block, int order, int index, long value) {
        int bits = 1 << order;
        long bitPos = (long) index * bits;
        if (bits < 8) {
            block[(int) (bitPos >>> 3)] |= (byte) (value << (bitPos & 7));
            return;
        }
        int bytes = bits / 8;
        for (int i = 0; i < bytes; i++) {
            block[index * bytes + i] = (byte) (value >>> (8 * (bytes - 1 - i)));
        }
    }
}
