package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Bytes in and out of host clusters for {@link ClusterIO}: encryption, the backing file,
 * zero fill and compressed clusters. Safe for concurrent use without the metadata lock.
 */
final class HostIO {

    private static final byte[] ZEROES = new byte[65536];

    private final Qcow2Image img;
    private final int clusterBits;

    HostIO(Qcow2Image img) {
        this.img = img;
        this.clusterBits = img.clusterBits;
    }

    static void fillZero(ByteBuffer dst) {
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

    void readHost(long host, ByteBuffer dst) throws IOException {
        if (img.encryption == null) {
            // Nothing at all read means the cluster starts at or past the end of the file.
            if (img.dataFile.readZeroPadded(host, dst.duplicate()) == 0 && dst.hasRemaining()
                    && !img.header.hasDataFile()) {
                throw pastEnd(host);
            }
            return;
        }
        if (host >= img.dataFile.size() && !img.header.hasDataFile()) {
            throw pastEnd(host);
        }
        long start = host & ~511L;
        long end = (host + dst.remaining() + 511) & ~511L;
        byte[] buf = new byte[(int) (end - start)];
        img.dataFile.readZeroPadded(start, ByteBuffer.wrap(buf));
        img.encryption.decrypt(start, buf, 0, buf.length);
        dst.put(dst.position(), buf, (int) (host - start), dst.remaining());
    }

    private IOException pastEnd(long host) {
        return img.corrupt("data cluster at offset " + host + " lies past the end of the file");
    }

    void writeHost(long host, byte[] buf, int off, int len, long guest) throws IOException {
        writeHost(host, ByteBuffer.wrap(buf, off, len), guest);
    }

    /** Writes {@code src}'s remaining bytes (leaving its position alone) straight from the caller's buffer. */
    void writeHost(long host, ByteBuffer src, long guest) throws IOException {
        int len = src.remaining();
        img.guard.checkDataWrite(host, len, guest);
        if (img.encryption != null) {
            long start = host & ~511L;
            long end = (host + len + 511) & ~511L;
            byte[] sect = new byte[(int) (end - start)];
            if (start != host || end != host + len) {
                img.dataFile.readZeroPadded(start, ByteBuffer.wrap(sect));
                img.encryption.decrypt(start, sect, 0, sect.length);
            }
            src.get(src.position(), sect, (int) (host - start), len);
            img.encryption.encrypt(start, sect, 0, sect.length);
            img.dataFile.write(start, ByteBuffer.wrap(sect));
            return;
        }
        img.dataFile.write(host, src.duplicate());
    }

    /** The last cluster decompressed: sequential small reads of one compressed cluster are common. */
    private record Decompressed(long entry, byte[] data) {
    }

    private volatile Decompressed lastDecompressed;

    /** After snapshots, resizes and checks, freed space may hold different data under an old descriptor. */
    void forgetCaches() {
        lastDecompressed = null;
    }

    byte[] decompress(long entry, long gc) throws IOException {
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
}
