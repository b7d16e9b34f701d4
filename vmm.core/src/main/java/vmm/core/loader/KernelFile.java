package vmm.core.loader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import vmm.core.memory.GuestMemory;

/**
 * A kernel or initrd file read with positional reads, so a multi-GiB initrd streams into guest
 * RAM in chunks instead of being held on the heap, and every read past the end becomes a
 * "truncated" {@link KernelLoadException} naming the file instead of a short buffer.
 */
final class KernelFile implements AutoCloseable {

    private static final int CHUNK = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;

    private KernelFile(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    static KernelFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new KernelFile(path, channel, channel.size());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    KernelLoadException error(String problem) {
        return new KernelLoadException(path, problem);
    }

    /** Checks that {@code [offset, offset + length)} is inside the file. */
    void requireRange(long offset, long length, String what) throws KernelLoadException {
        if (offset < 0 || length < 0 || offset + length < offset || offset + length > size) {
            throw error("truncated: " + what + " needs bytes " + offset + "+" + length
                    + " but the file has only " + size + " bytes");
        }
    }

    /** Reads {@code length} bytes at {@code offset} into a little-endian buffer. */
    ByteBuffer read(long offset, int length, String what) throws IOException {
        requireRange(offset, length, what);
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        readFully(offset, buffer);
        return buffer.flip();
    }

    /** Copies {@code length} bytes from {@code offset} to guest address {@code gpa}. */
    void copyToGuest(long offset, long length, GuestMemory memory, long gpa, String what) throws IOException {
        if (length == 0) {
            return; // nothing to read, wherever the offset points
        }
        requireRange(offset, length, what);
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.min(CHUNK, Math.max(length, 1)));
        long done = 0;
        while (done < length) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
            readFully(offset + done, buffer);
            memory.write(gpa + done, buffer.flip());
            done += buffer.limit();
        }
    }

    private void readFully(long offset, ByteBuffer buffer) throws IOException {
        long position = offset;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                // The file shrank while we read it.
                throw error("truncated while reading at offset " + position);
            }
            position += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
