package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.CompressedWriter;
import vmm.core.block.BlockImage;

/** Clusters compressed here decompress in QEMU, and survive overwrites. */
class CompressedWriteTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} cluster_size={1} refcount_bits={2}")
    @CsvSource({"zlib, 65536, 16", "zstd, 65536, 16", "zlib, 512, 1", "zstd, 4096, 2", "zlib, 2097152, 64"})
    void compressedWritesPassQemuCheck(String type, int clusterSize, int refcountBits) throws Exception {
        Path img = dir.resolve("c.qcow2");
        int size = Math.max(4 << 20, clusterSize * 4);
        Qemu.create(img, size, Map.of("compression_type", type, "cluster_size", Integer.toString(clusterSize),
                "refcount_bits", Integer.toString(refcountBits)));
        byte[] ref = new byte[size];
        Random r = new Random(clusterSize);
        try (BlockImage image = Qemu.open(img)) {
            CompressedWriter cw = (CompressedWriter) image;
            for (int c = 0; c < size / clusterSize; c += 1 + r.nextInt(2)) {
                byte[] data = new byte[clusterSize];
                for (int i = 0; i < clusterSize; i++) {
                    data[i] = (byte) (r.nextInt(4) + (c & 7));
                }
                if (c % 5 == 0) {
                    r.nextBytes(data); // incompressible: stored plainly
                }
                cw.writeCompressed((long) c * clusterSize, ByteBuffer.wrap(data));
                System.arraycopy(data, 0, ref, c * clusterSize, clusterSize);
            }
            WriteImagesTest.assertReads(image, ref);
        }
        String check = Qemu.assertQemuCheckClean(img);
        var m = java.util.regex.Pattern.compile("([0-9.]+)% compressed clusters").matcher(check);
        assertTrue(m.find() && Double.parseDouble(m.group(1)) > 0, check);
        assertArrayEquals(ref, Qemu.rawOf(img));
        try (BlockImage image = Qemu.open(img)) {
            WriteImagesTest.scribble(image, ref, 11, 20);
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(ref, Qemu.rawOf(img));
        assertArrayEquals(ref, Qemu.readAll(img));
    }
}
