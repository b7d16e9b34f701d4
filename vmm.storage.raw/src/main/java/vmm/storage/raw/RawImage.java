package vmm.storage.raw;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import vmm.core.block.BlockImage;
import vmm.core.block.Extent;
import vmm.core.block.ImageInfo;
import vmm.core.block.ReadOnlyImageException;
import vmm.core.block.Resizable;

/** An open raw image. Positional I/O on one channel, so concurrent requests need no lock. */
final class RawImage implements BlockImage, Resizable {
    private static final int ZERO_CHUNK = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private volatile long size;

    private final boolean durable;

    private RawImage(Path path, FileChannel channel, boolean readOnly, boolean durable) throws IOException {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        this.durable = durable;
        this.size = channel.size();
    }

    /** @param durable false for QEMU's cache=unsafe: flush does not wait for the disk */
    static RawImage open(Path path, boolean readOnly, boolean durable) throws IOException {
        FileChannel ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new RawImage(path, ch, readOnly, durable);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    private void checkRange(long offset, long length) throws IOException {
        if (offset < 0 || length < 0 || offset + length > size || offset + length < 0) {
            throw new EOFException(path + ": request at " + offset + "+" + length
                    + " is outside the disk (" + size + " bytes)");
        }
    }

    private void checkWritable() throws IOException {
        if (readOnly) {
            throw new ReadOnlyImageException(path.toString());
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                // The file shrank under us: what is past its end reads as zeroes, like a hole.
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            pos += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkWritable();
        checkRange(offset, src.remaining());
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly && durable) {
            channel.force(true);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        writeZeroes(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        checkWritable();
        checkRange(offset, length);
        fillZeroes(channel, offset, length);
    }

    static void fillZeroes(FileChannel ch, long offset, long length) throws IOException {
        ByteBuffer zero = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, Math.max(length, 1)));
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            zero.clear().limit((int) Math.min(zero.capacity(), end - pos));
            while (zero.hasRemaining()) {
                pos += ch.write(zero, pos);
            }
        }
    }

    @Override
    public Extent mapExtent(long offset, long maxLength) throws IOException {
        checkRange(offset, 0);
        long len = Math.min(maxLength, size - offset);
        return new Extent(offset, len, true, false, 0, offset);
    }

    @Override
    public ImageInfo info() throws IOException {
        return new ImageInfo("raw", size, 0, null, null, List.of(), Map.of());
    }

    @Override
    public void resize(long newSize) throws IOException {
        checkWritable();
        if (newSize < 0) {
            throw new IOException(path + ": negative size " + newSize);
        }
        if (newSize < size) {
            channel.truncate(newSize);
        } else if (newSize > size) {
            channel.write(ByteBuffer.allocate(1), newSize - 1);
        }
        channel.force(true);
        size = newSize;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "raw:" + path;
    }
}
