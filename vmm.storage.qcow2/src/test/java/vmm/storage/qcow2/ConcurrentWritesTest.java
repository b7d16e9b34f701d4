package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import vmm.core.block.BlockImage;

/**
 * Allocating writes run their data I/O outside the metadata lock, and lookups take no lock:
 * concurrent writers of one new cluster must still allocate it once and lose nothing, readers
 * must see old or new data but nothing else, and partial writes into new clusters (which only
 * write the bytes given) must leave the rest reading as zeroes.
 */
class ConcurrentWritesTest {

    @TempDir
    Path dir;

    private static final int THREADS = 8;

    @ParameterizedTest(name = "options [{0}]")
    @ValueSource(strings = {"", "cluster_size=4096", "extended_l2=on", "compat=0.10"})
    void writersOfOneNewClusterShareOneAllocation(String spec) throws Exception {
        Path img = dir.resolve("c.qcow2");
        int size = 4 << 20;
        Qemu.create(img, size, WriteImagesTest.opts(spec));
        int piece = 512;
        byte[] ref = new byte[size];
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (BlockImage image = Qemu.open(img)) {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    start.await();
                    // Thread t writes pieces t, t+8, t+16... so every cluster gets writers from all threads at once.
                    for (int p = id; p < size / piece; p += THREADS) {
                        byte[] d = new byte[piece];
                        java.util.Arrays.fill(d, (byte) (1 + id));
                        d[0] = (byte) p;
                        image.write((long) p * piece, ByteBuffer.wrap(d));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            for (int p = 0; p < size / piece; p++) {
                java.util.Arrays.fill(ref, p * piece, (p + 1) * piece, (byte) (1 + p % THREADS));
                ref[p * piece] = (byte) p;
            }
            WriteImagesTest.assertReads(image, ref);
        } finally {
            pool.shutdownNow();
        }
        String check = Qemu.assertQemuCheckClean(img);
        assertTrue(check.contains("No errors"), check);
        assertArrayEquals(ref, Qemu.rawOf(img));
        // Every guest cluster allocated once: the file holds the data plus a little metadata.
        long clusterSize = spec.contains("4096") ? 4096 : 65536;
        assertTrue(Files.size(img) <= size + 32 * clusterSize, "file size " + Files.size(img));
    }

    @Test
    void readersSeeOldOrNewDataWhileClustersAreAllocated() throws Exception {
        Path img = dir.resolve("r.qcow2");
        int size = 8 << 20;
        int block = 4096;
        Qemu.create(img, size, WriteImagesTest.opts("cluster_size=16k"));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        AtomicBoolean writing = new AtomicBoolean(true);
        try (BlockImage image = Qemu.open(img)) {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < THREADS / 2; t++) {
                int id = t;
                writers.add(pool.submit(() -> {
                    for (int b = id; b < size / block; b += THREADS / 2) {
                        image.write((long) b * block, ByteBuffer.wrap(pattern(b, block)));
                    }
                    return null;
                }));
            }
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < THREADS / 2; t++) {
                int id = t;
                readers.add(pool.submit(() -> {
                    java.util.Random r = new java.util.Random(id);
                    byte[] zero = new byte[block];
                    while (writing.get()) {
                        int b = r.nextInt(size / block);
                        ByteBuffer got = ByteBuffer.allocate(block);
                        image.read((long) b * block, got);
                        byte[] g = got.array();
                        if (!java.util.Arrays.equals(g, zero) && !java.util.Arrays.equals(g, pattern(b, block))) {
                            throw new AssertionError("block " + b + " read neither zeroes nor its data");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : writers) {
                f.get();
            }
            writing.set(false);
            for (Future<?> f : readers) {
                f.get();
            }
            for (int b = 0; b < size / block; b++) {
                ByteBuffer got = ByteBuffer.allocate(block);
                image.read((long) b * block, got);
                assertArrayEquals(pattern(b, block), got.array(), "block " + b);
            }
        } finally {
            pool.shutdownNow();
        }
        Qemu.assertQemuCheckClean(img);
    }

    private static byte[] pattern(int b, int len) {
        byte[] d = new byte[len];
        java.util.Arrays.fill(d, (byte) (b * 7 + 3));
        d[0] = (byte) b;
        d[len - 1] = (byte) (b >>> 8);
        return d;
    }

    /**
     * A partial write into a new cluster only writes its own bytes when the cluster lies past
     * the end of the file; a cluster freed and handed out again still holds old data, which
     * must not show through.
     */
    @Test
    void partialWritesIntoNewClustersReadZeroesAround() throws Exception {
        Path img = dir.resolve("p.qcow2");
        int size = 2 << 20;
        Qemu.create(img, size, WriteImagesTest.opts(""));
        byte[] ref = new byte[size];
        try (BlockImage image = Qemu.open(img)) {
            byte[] full = new byte[65536];
            java.util.Arrays.fill(full, (byte) 0xaa);
            image.write(0, ByteBuffer.wrap(full));
            image.write(65536, ByteBuffer.wrap(full));
            image.flush();
            // Frees the two host clusters once the metadata is on disk (at the flush).
            image.discard(0, 2 * 65536);
            image.flush();
            byte[] small = {1, 2, 3, 4};
            for (long at : new long[] {300_000, 65536 * 2 + 100, 4096, 65536 + 65530, 1_000_000}) {
                image.write(at, ByteBuffer.wrap(small));
                System.arraycopy(small, 0, ref, (int) at, small.length);
            }
            WriteImagesTest.assertReads(image, ref);
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(ref, Qemu.rawOf(img));
        assertArrayEquals(ref, Qemu.readAll(img));
        assertEquals(0, Files.size(img) % 65536, "the file covers whole clusters");
    }
}
