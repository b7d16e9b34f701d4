package vmm.storage.qcow2;

import java.io.IOException;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import vmm.core.block.CorruptImageException;

/**
 * Compressed cluster descriptors and codecs. The descriptor packs a byte offset and a count
 * of 512-byte sectors; QEMU stores zlib clusters as raw deflate (no zlib header) and zstd
 * clusters as one zstd frame followed by sector padding.
 */
final class CompressedCluster {

    private final int clusterBits;
    private final int csizeShift;
    private final long offsetMask;
    private final long csizeMask;
    private final int compressionType;

    CompressedCluster(int clusterBits, int compressionType) {
        this.clusterBits = clusterBits;
        this.csizeShift = 62 - (clusterBits - 8);
        this.offsetMask = (1L << csizeShift) - 1;
        this.csizeMask = (1L << (clusterBits - 8)) - 1;
        this.compressionType = compressionType;
    }

    long offset(long entry) {
        return entry & offsetMask;
    }

    /** Bytes from {@link #offset} to the end of the last sector the descriptor covers. */
    int storedLength(long entry) {
        long sectors = ((entry >>> csizeShift) & csizeMask) + 1;
        return (int) (sectors * 512 - (offset(entry) & 511));
    }

    /** Host range whose clusters carry a reference for this descriptor (as qemu-img check counts it). */
    long rangeStart(long entry) {
        return offset(entry) & ~511L;
    }

    long rangeLength(long entry) {
        return (((entry >>> csizeShift) & csizeMask) + 1) * 512;
    }

    long descriptor(long hostOffset, int length) {
        long sectors = ((hostOffset & 511) + length + 511) / 512;
        return L2Table.COMPRESSED | ((sectors - 1) << csizeShift) | hostOffset;
    }

    byte[] decompress(byte[] in, int inLen, String image, long guestOffset) throws IOException {
        int cs = 1 << clusterBits;
        byte[] out = new byte[cs];
        if (compressionType == Qcow2Header.COMPRESSION_ZSTD) {
            try {
                int frame = zstdFrameLength(in, inLen);
                if (frame < 0) {
                    throw new CorruptImageException(image + ": truncated zstd frame for guest offset " + guestOffset);
                }
                int n = new ZstdDecompressor().decompress(in, 0, frame, out, 0, cs);
                if (n != cs) {
                    throw new CorruptImageException(image + ": compressed cluster at guest offset "
                            + guestOffset + " decompresses to " + n + " bytes, not " + cs);
                }
            } catch (RuntimeException e) {
                throw new CorruptImageException(image + ": bad zstd data for guest offset " + guestOffset, e);
            }
            return out;
        }
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(in, 0, inLen);
            int n = 0;
            while (n < cs) {
                int k = inf.inflate(out, n, cs - n);
                if (k == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                n += k;
            }
            if (n != cs) {
                throw new CorruptImageException(image + ": compressed cluster at guest offset " + guestOffset
                        + " decompresses to " + n + " bytes, not " + cs);
            }
            return out;
        } catch (DataFormatException e) {
            throw new CorruptImageException(image + ": bad deflate data for guest offset " + guestOffset, e);
        } finally {
            inf.end();
        }
    }

    /**
     * Length of the zstd frame at the start of {@code in}: the sector padding behind it is not
     * another frame, so it must not reach the decoder. -1 when the frame is truncated.
     */
    static int zstdFrameLength(byte[] in, int len) {
        if (len < 6) {
            return -1;
        }
        int fhd = in[4] & 0xff;
        int fcsFlag = fhd >>> 6;
        boolean single = (fhd & 0x20) != 0;
        boolean checksum = (fhd & 0x04) != 0;
        int dictBytes = new int[] {0, 1, 2, 4}[fhd & 3];
        int fcsBytes = switch (fcsFlag) {
            case 0 -> single ? 1 : 0;
            case 1 -> 2;
            case 2 -> 4;
            default -> 8;
        };
        int pos = 5 + (single ? 0 : 1) + dictBytes + fcsBytes;
        while (true) {
            if (pos + 3 > len) {
                return -1;
            }
            int bh = (in[pos] & 0xff) | (in[pos + 1] & 0xff) << 8 | (in[pos + 2] & 0xff) << 16;
            pos += 3;
            int type = (bh >>> 1) & 3;
            int size = bh >>> 3;
            pos += type == 1 ? 1 : size;
            if (type == 3 || pos > len) {
                return -1;
            }
            if ((bh & 1) != 0) {
                break;
            }
        }
        pos += checksum ? 4 : 0;
        return pos > len ? -1 : pos;
    }

    /** Compresses one cluster, or returns null when that would not save space. */
    byte[] compress(byte[] cluster) {
        int cs = cluster.length;
        if (compressionType == Qcow2Header.COMPRESSION_ZSTD) {
            ZstdCompressor c = new ZstdCompressor();
            byte[] out = new byte[c.maxCompressedLength(cs)];
            int n = c.compress(cluster, 0, cs, out, 0, out.length);
            return n >= cs ? null : java.util.Arrays.copyOf(out, n);
        }
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            d.setInput(cluster);
            d.finish();
            byte[] out = new byte[cs];
            int n = 0;
            while (!d.finished() && n < cs) {
                n += d.deflate(out, n, cs - n);
            }
            return !d.finished() || n >= cs ? null : java.util.Arrays.copyOf(out, n);
        } finally {
            d.end();
        }
    }
}
