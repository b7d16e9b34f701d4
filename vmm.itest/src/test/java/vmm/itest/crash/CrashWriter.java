package vmm.itest.crash;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ServiceLoader;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.OpenOptions;

/**
 * The process that the crash test kills: writes numbered blocks into a qcow2 image and,
 * after each flush, prints the number of the last write the flush covered.
 *
 * <p>Arguments: image, first write number, writes between flushes.
 */
public final class CrashWriter {
    public static final int BLOCK = 64 * 1024;
    public static final int BLOCKS = 512;

    private CrashWriter() {
    }

    /** Where write {@code i} goes: a scatter over the first BLOCKS blocks, revisiting them. */
    public static long offsetOf(long i) {
        return Math.floorMod(i * 2654435761L, BLOCKS) * (long) BLOCK;
    }

    /** The block content of write {@code i}: its number, then a byte derived from it. */
    public static void fill(ByteBuffer buf, long i) {
        buf.clear();
        buf.putLong(i);
        byte b = (byte) (i % 251 + 1);
        while (buf.hasRemaining()) {
            buf.put(b);
        }
        buf.flip();
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        long first = Long.parseLong(args[1]);
        int perFlush = Integer.parseInt(args[2]);
        BlockFormat[] found = ServiceLoader.load(BlockFormat.class).stream().map(ServiceLoader.Provider::get)
                .toArray(BlockFormat[]::new);
        try (BlockImage img = BlockFormats.of(found).open(image, "qcow2", OpenOptions.readWrite())) {
            ByteBuffer buf = ByteBuffer.allocate(BLOCK);
            for (long i = first;; i++) {
                fill(buf, i);
                img.write(offsetOf(i), buf);
                if ((i - first + 1) % perFlush == 0) {
                    img.flush();
                    System.out.println("flushed " + i);
                    System.out.flush();
                }
            }
        }
    }
}
