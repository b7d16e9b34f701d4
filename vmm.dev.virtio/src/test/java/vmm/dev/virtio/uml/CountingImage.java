package vmm.dev.virtio.uml;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

import vmm.core.block.BlockImage;
import vmm.core.block.Extent;
import vmm.core.block.ImageInfo;

/** A real image that counts the flushes and discards reaching it. */
final class CountingImage implements BlockImage {
    final BlockImage image;
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger discards = new AtomicInteger();

    CountingImage(BlockImage image) {
        this.image = image;
    }

    @Override
    public long size() {
        return image.size();
    }

    @Override
    public boolean readOnly() {
        return image.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        image.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        image.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        flushes.incrementAndGet();
        image.flush();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        discards.incrementAndGet();
        image.discard(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        image.writeZeroes(offset, length);
    }

    @Override
    public Extent mapExtent(long offset, long maxLength) throws IOException {
        return image.mapExtent(offset, maxLength);
    }

    @Override
    public ImageInfo info() throws IOException {
        return image.info();
    }

    @Override
    public void close() throws IOException {
        image.close();
    }
}
