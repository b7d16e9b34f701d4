package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

import vmm.core.block.CorruptImageException;

/** A file accessed with positional I/O only, so that many threads can share it. */
final class ImageFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private volatile boolean durable = true;

    private ImageFile(Path path, FileChannel channel, boolean readOnly) {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
    }

    static ImageFile open(Path path, boolean readOnly) throws IOException {
        var opts = readOnly ? EnumSet.of(StandardOpenOption.READ)
                : EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new ImageFile(path, FileChannel.open(path, opts), readOnly);
    }

    static ImageFile create(Path path) throws IOException {
        return new ImageFile(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW), false);
    }

    static ImageFile createOrTruncate(Path path) throws IOException {
        return new ImageFile(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING), false);
    }

    java.nio.channels.FileChannel channel() {
        return channel;
    }

    Path path() {
        return path;
    }

    boolean readOnly() {
        return readOnly;
    }

    long size() throws IOException {
        return channel.size();
    }

    /**
     * Reads exactly {@code dst.remaining()} bytes; bytes past the end of the file read as zeroes.
     * Returns how many came from the file, so callers can tell a read past the end without
     * asking for the file size on every read.
     */
    int readZeroPadded(long offset, ByteBuffer dst) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                int got = (int) (pos - offset);
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return got;
            }
            pos += n;
        }
        return (int) (pos - offset);
    }

    /** Reads metadata that must exist: running past the end of the file means the image is corrupt. */
    byte[] readMetadata(long offset, int length, String what) throws IOException {
        if (offset < 0 || offset + length > channel.size()) {
            throw new CorruptImageException(path + ": " + what + " at offset " + offset + " (" + length
                    + " bytes) lies past the end of the file (" + channel.size() + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.allocate(length);
        readZeroPadded(offset, buf);
        return buf.array();
    }

    void write(long offset, ByteBuffer src) throws IOException {
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    void write(long offset, byte[] data) throws IOException {
        write(offset, ByteBuffer.wrap(data));
    }

    void truncate(long size) throws IOException {
        channel.truncate(size);
    }

    /** Grows the file (sparse) so that it is at least {@code size} bytes long. */
    void extendTo(long size) throws IOException {
        if (channel.size() < size) {
            write(size - 1, new byte[1]);
        }
    }

    void force() throws IOException {
        if (!readOnly && durable) {
            channel.force(false);
        }
    }

    /**
     * With {@code false}, {@link #force()} returns without waiting for the disk (QEMU's
     * cache=unsafe): the order of writes, which keeps metadata consistent when the process
     * dies, is unchanged.
     */
    void setDurable(boolean durable) {
        this.durable = durable;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
