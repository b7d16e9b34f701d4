package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import vmm.core.block.BlockImage;

/**
 * Writes covering several whole new clusters take one contiguous run of host clusters, one
 * pwrite and one linking of all L2 entries (ClusterIO#writeRun). The data must read back, the
 * image must pass qemu-img check without leaks, and concurrent writers touching clusters of a
 * run (runs of their own, or small writes that take the per-cluster path) must neither
 * allocate a cluster twice nor lose data.
 */
class MultiClusterWriteTest {

    @TempDir
    Path dir;

    private static final int THREADS = 8;
    private static final int SECTOR = 512;

    /** Sequential 1 MiB writes into a fresh image, the last ending inside a cluster at the virtual size. */
    @ParameterizedTest(name = "options [{0}]")
    @ValueSource(strings = {"", "cluster_size=4096", "compat=0.10", "extended_l2=on", "cluster_size=2M"})
    void largeSequentialWritesIntoFreshImage(String spec) throws Exception {
        Path img = dir.resolve("s.qcow2");
        int size = (12 << 20) + 3 * 4096 + 1024;
        Qemu.create(img, size, WriteImagesTest.opts(spec));
        byte[] ref = new byte[size];
        new Random(42).nextBytes(ref);
        // A hole of never-written clusters in the middle, which must still read as zeroes.
        Arrays.fill(ref, 4 << 20, 5 << 20, (byte) 0);
        int chunk = 1 << 20;
        try (BlockImage image = Qemu.open(img)) {
            for (int at = 0; at < size; at += chunk) {
                if (at == 4 << 20) {
                    continue;
                }
                int n = Math.min(chunk, size - at);
                image.write(at, ByteBuffer.wrap(ref, at, n));
            }
            WriteImagesTest.assertReads(image, ref);
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(ref, Qemu.rawOf(img));
        assertArrayEquals(ref, Qemu.readAll(img));
        long clusterSize = spec.contains("4096") ? 4096 : spec.contains("2M") ? 2 << 20 : 65536;
        assertEquals(0, Files.size(img) % clusterSize, "the file covers whole clusters");
        assertTrue(Files.size(img) <= size + 16 * clusterSize, "file size " + Files.size(img));
    }

    /** Zero clusters without a host cluster are overwritten by runs too; allocated ones are written in place. */
    @ParameterizedTest(name = "options [{0}]")
    @ValueSource(strings = {"", "cluster_size=4096"})
    void runsOverZeroAndAllocatedClusters(String spec) throws Exception {
        Path img = dir.resolve("z.qcow2");
        int size = 8 << 20;
        Qemu.create(img, size, WriteImagesTest.opts(spec));
        Qemu.io(img, "write -z 0 2M", "write -P 7 3M 64k", "write -P 9 5M 4k");
        byte[] ref = new byte[size];
        Arrays.fill(ref, 3 << 20, (3 << 20) + 65536, (byte) 7);
        Arrays.fill(ref, 5 << 20, (5 << 20) + 4096, (byte) 9);
        try (BlockImage image = Qemu.open(img)) {
            Random r = new Random(7);
            for (long[] w : new long[][] {{0, 3 << 20}, {(3 << 20) - 65536, 4 * 65536}, {(5 << 20) - 8192, 1 << 20}}) {
                byte[] d = new byte[(int) w[1]];
                r.nextBytes(d);
                image.write(w[0], ByteBuffer.wrap(d));
                System.arraycopy(d, 0, ref, (int) w[0], d.length);
            }
            WriteImagesTest.assertReads(image, ref);
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(ref, Qemu.rawOf(img));
    }

    /**
     * Threads write runs of whole clusters and small pieces at random, overlapping places.
     * Every sector written carries its own index and the writer's mark, so after the race each
     * sector must hold some writer's complete data for it (none lost to a second allocation),
     * sectors nobody wrote must read as zeroes, and qemu-img check must find no leaked clusters.
     */
    @ParameterizedTest(name = "options [{0}]")
    @ValueSource(strings = {"", "cluster_size=4096", "cluster_size=16k"})
    void concurrentWritersOverlappingRuns(String spec) throws Exception {
        Path img = dir.resolve("c.qcow2");
        int size = 16 << 20;
        int clusterSize = spec.contains("4096") ? 4096 : spec.contains("16k") ? 16384 : 65536;
        Qemu.create(img, size, WriteImagesTest.opts(spec));
        BitSet written = new BitSet(size / SECTOR);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (BlockImage image = Qemu.open(img)) {
            for (int round = 0; round < 3; round++) {
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Future<?>> done = new ArrayList<>();
                int r0 = round;
                for (int t = 0; t < THREADS; t++) {
                    int id = t;
                    done.add(pool.submit(() -> {
                        Random r = new Random(id * 1000 + r0);
                        start.await();
                        int clusters = size / clusterSize;
                        for (int op = 0; op < 60; op++) {
                            long at;
                            int len;
                            if (r.nextInt(3) > 0) {
                                // A run of whole clusters, often into the same places as other threads.
                                int c = r.nextInt(clusters / 4) * (r.nextBoolean() ? 1 : 4) % clusters;
                                int n = Math.min(2 + r.nextInt(24), clusters - c);
                                at = (long) c * clusterSize;
                                len = n * clusterSize;
                            } else {
                                at = (long) r.nextInt(size / SECTOR) * SECTOR;
                                len = Math.min((1 + r.nextInt(8)) * SECTOR, (int) (size - at));
                            }
                            image.write(at, ByteBuffer.wrap(tagged(at, len, id)));
                            synchronized (written) {
                                written.set((int) (at / SECTOR), (int) ((at + len) / SECTOR));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                image.flush();
            }
            ByteBuffer all = ByteBuffer.allocate(size);
            image.read(0, all);
            assertSectors(all.array(), written);
        } finally {
            pool.shutdownNow();
        }
        Qemu.assertQemuCheckClean(img);
        byte[] raw = Qemu.rawOf(img);
        assertSectors(raw, written);
        assertTrue(Files.size(img) <= size + 64L * clusterSize, "file size " + Files.size(img));
    }

    private static byte[] tagged(long at, int len, int writer) {
        byte[] d = new byte[len];
        ByteBuffer b = ByteBuffer.wrap(d);
        for (int s = 0; s < len / SECTOR; s++) {
            Arrays.fill(d, s * SECTOR, (s + 1) * SECTOR, (byte) (writer + 1));
            b.putLong(s * SECTOR, at / SECTOR + s);
        }
        return d;
    }

    private static void assertSectors(byte[] data, BitSet written) {
        for (int s = 0; s < data.length / SECTOR; s++) {
            int off = s * SECTOR;
            if (!written.get(s)) {
                for (int i = off; i < off + SECTOR; i++) {
                    if (data[i] != 0) {
                        throw new AssertionError("sector " + s + " was never written but holds data");
                    }
                }
                continue;
            }
            long idx = ByteBuffer.wrap(data).getLong(off);
            if (idx != s) {
                throw new AssertionError("sector " + s + " holds the data of sector " + idx);
            }
            byte mark = data[off + 8];
            if (mark < 1 || mark > THREADS) {
                throw new AssertionError("sector " + s + " holds no writer's mark");
            }
            for (int i = off + 8; i < off + SECTOR; i++) {
                if (data[i] != mark) {
                    throw new AssertionError("sector " + s + " mixes the data of two writers");
                }
            }
        }
    }
}
