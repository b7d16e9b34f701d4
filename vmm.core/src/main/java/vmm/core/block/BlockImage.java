package vmm.core.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * An open disk image as the guest sees it: a flat array of bytes of {@link #size()} bytes,
 * whatever the format stores underneath.
 *
 * <p>Implementations must allow concurrent calls from several threads (a device model keeps
 * many requests in flight). {@link #flush()} returning means every write that completed before
 * it was called is durable, metadata included.
 */
public interface BlockImage extends AutoCloseable {

    /** Virtual size in bytes. */
    long size();

    /** True when the image was opened read-only; writes then throw {@link ReadOnlyImageException}. */
    boolean readOnly();

    /** Reads {@code dst.remaining()} bytes at {@code offset}; unallocated ranges read as zeroes. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable (data and metadata). */
    void flush() throws IOException;

    /** Tells the format that the range is no longer needed; it then reads as zeroes. */
    void discard(long offset, long length) throws IOException;

    /** Makes the range read as zeroes, preferably without writing data. */
    void writeZeroes(long offset, long length) throws IOException;

    /** Describes how the range starting at {@code offset} is stored (for {@code img map}). */
    Extent mapExtent(long offset, long maxLength) throws IOException;

    /** Format-specific facts for {@code img info}. */
    ImageInfo info() throws IOException;

    @Override
    void close() throws IOException;

    /** Runs a read on {@code executor}; requests may complete in any order. */
    default CompletableFuture<Void> readAsync(long offset, ByteBuffer dst, Executor executor) {
        return CompletableFuture.runAsync(() -> {
            try {
                read(offset, dst);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, executor);
    }

    /** Runs a write on {@code executor}; requests may complete in any order. */
    default CompletableFuture<Void> writeAsync(long offset, ByteBuffer src, Executor executor) {
        return CompletableFuture.runAsync(() -> {
            try {
                write(offset, src);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, executor);
    }
}
