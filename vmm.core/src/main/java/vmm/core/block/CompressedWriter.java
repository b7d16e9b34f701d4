package vmm.core.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A format that can store clusters compressed ({@code img convert -c}). Reach it with
 * {@code instanceof}; the unit is {@link ImageInfo#clusterSize()}.
 */
public interface CompressedWriter {

    /**
     * Writes whole clusters compressed, starting at a cluster boundary (the last may end at the
     * virtual size); clusters that do not compress are stored plainly.
     */
    void writeCompressed(long offset, ByteBuffer src) throws IOException;
}
