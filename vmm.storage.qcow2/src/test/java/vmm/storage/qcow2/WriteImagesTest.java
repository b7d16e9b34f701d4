package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import vmm.core.block.BlockImage;

/** Images written here pass qemu-img check and hold what was written. */
class WriteImagesTest {

    @TempDir
    Path dir;

    static Map<String, String> opts(String spec) {
        Map<String, String> m = new HashMap<>();
        if (!spec.isBlank()) {
            for (String kv : spec.split(",")) {
                String[] p = kv.split("=", 2);
                m.put(p[0], p[1]);
            }
        }
        return m;
    }

    /** Random writes, zero writes and discards, mirrored into {@code ref}. */
    static void scribble(BlockImage img, byte[] ref, long seed, int ops) throws Exception {
        Random r = new Random(seed);
        int size = ref.length;
        for (int i = 0; i < ops; i++) {
            int off = r.nextInt(size);
            int len = Math.min(size - off, 1 + r.nextInt(r.nextBoolean() ? 4096 : 200_000));
            switch (r.nextInt(10)) {
                case 0 -> {
                    img.writeZeroes(off, len);
                    java.util.Arrays.fill(ref, off, off + len, (byte) 0);
                }
                case 1 -> {
                    img.discard(off, len);
                    java.util.Arrays.fill(ref, off, off + len, (byte) 0);
                }
                default -> {
                    byte[] data = new byte[len];
                    r.nextBytes(data);
                    if (r.nextBoolean()) {
                        java.util.Arrays.fill(data, 0, len / 2, (byte) (i + 1));
                    }
                    img.write(off, ByteBuffer.wrap(data));
                    System.arraycopy(data, 0, ref, off, len);
                }
            }
        }
    }

    static void assertReads(BlockImage img, byte[] ref) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(ref.length);
        img.read(0, b);
        assertArrayEquals(ref, b.array());
    }

    @ParameterizedTest(name = "options [{0}]")
    @ValueSource(strings = {"", "compat=0.10", "compat=0.10,cluster_size=512", "cluster_size=512,refcount_bits=1",
            "cluster_size=1024,refcount_bits=2", "cluster_size=4096,refcount_bits=4", "refcount_bits=8",
            "refcount_bits=32", "refcount_bits=64,cluster_size=2048", "cluster_size=2M", "lazy_refcounts=on",
            "extended_l2=on", "extended_l2=on,cluster_size=32k", "compression_type=zstd",
            "preallocation=metadata,cluster_size=16k"})
    void randomWritesPassQemuCheck(String spec) throws Exception {
        Path img = dir.resolve("w.qcow2");
        int size = 6 << 20;
        Qemu.create(img, size, opts(spec));
        byte[] ref = new byte[size];
        try (BlockImage image = Qemu.open(img)) {
            scribble(image, ref, spec.hashCode(), 60);
            assertReads(image, ref);
            image.flush();
        }
        try (BlockImage image = Qemu.open(img)) {
            scribble(image, ref, spec.hashCode() + 1, 30);
        }
        Qemu.assertQemuCheckClean(img);
        Path rawRef = dir.resolve("ref.raw");
        Files.write(rawRef, ref);
        assertTrue(Qemu.ok("qemu-img", "compare", "-f", "qcow2", "-F", "raw", img.toString(), rawRef.toString())
                .contains("Images are identical"));
        assertArrayEquals(ref, Qemu.readAll(img));
        String info = Qemu.ok("qemu-img", "info", img.toString());
        assertTrue(info.contains("virtual size: 6 MiB"), info);
    }

    @Test
    void overlayOnQemuBaseKeepsBackingDataAndZeroes() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", base.toString(), "4M");
        Qemu.io(base, "write -P 0x5a 0 4M");
        byte[] ref = Qemu.rawOf(base);
        Path top = dir.resolve("top.qcow2");
        Qemu.create(top, 0, Map.of("backing_file", "base.qcow2", "backing_fmt", "qcow2"));
        try (BlockImage image = Qemu.open(top)) {
            assertEquals(4 << 20, image.size());
            scribble(image, ref, 7, 40);
        }
        Qemu.assertQemuCheckClean(top);
        assertArrayEquals(ref, Qemu.rawOf(top));
        assertTrue(Qemu.ok("qemu-img", "info", top.toString()).contains("backing file format: qcow2"));
    }

    @ParameterizedTest(name = "overlay [{0}]")
    @ValueSource(strings = {"extended_l2=on", "extended_l2=on,cluster_size=2M", "cluster_size=512",
            "compat=0.10,cluster_size=16k"})
    void overlayVariantsCopyOnWriteFromBacking(String spec) throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", base.toString(), "3M");
        Qemu.io(base, "write -P 0x5b 0 3M", "write -z 1M 100k");
        byte[] ref = Qemu.rawOf(base);
        Path top = dir.resolve("top.qcow2");
        Map<String, String> o = opts(spec);
        o.put("backing_file", "base.qcow2");
        o.put("backing_fmt", "qcow2");
        Qemu.create(top, 0, o);
        try (BlockImage image = Qemu.open(top)) {
            scribble(image, ref, spec.length(), 40);
            WriteImagesTest.assertReads(image, ref);
        }
        Qemu.assertQemuCheckClean(top);
        assertArrayEquals(ref, Qemu.rawOf(top));
    }

    @Test
    void writesIntoClustersWhereQemuAllocatedOnlySomeSubclusters() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", base.toString(), "2M");
        Qemu.io(base, "write -P 0x42 0 2M");
        Path top = dir.resolve("top.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=128k", "-b", "base.qcow2",
                "-F", "qcow2", top.toString());
        for (int c = 0; c < 16; c++) {
            Qemu.io(top, "write -P " + (c + 1) + " " + (c * 131072 + 8192) + " 4k", "write -z " + (c * 131072 + 65536) + " 8k");
        }
        byte[] ref = Qemu.rawOf(top);
        Random r = new Random(42);
        try (BlockImage image = Qemu.open(top)) {
            for (int k = 0; k < 300; k++) {
                int off = r.nextInt(ref.length - 9000);
                int len = 1 + r.nextInt(r.nextBoolean() ? 600 : 9000);
                byte[] d = new byte[len];
                r.nextBytes(d);
                image.write(off, ByteBuffer.wrap(d));
                System.arraycopy(d, 0, ref, off, len);
                if (k % 50 == 0) {
                    int z = r.nextInt(ref.length / 4096 - 2) * 4096;
                    image.writeZeroes(z, 4096);
                    java.util.Arrays.fill(ref, z, z + 4096, (byte) 0);
                }
            }
            assertReads(image, ref);
        }
        Qemu.assertQemuCheckClean(top);
        assertArrayEquals(ref, Qemu.rawOf(top));
    }

    @Test
    void version2OverlayWritesZeroDataWhereV3WouldSetAFlag() throws Exception {
        Path base = dir.resolve("base.raw");
        Files.write(base, new byte[1 << 20]);
        Qemu.ok("qemu-io", "-f", "raw", "-c", "write -P 0x66 0 1M", base.toString());
        byte[] ref = Files.readAllBytes(base);
        Path top = dir.resolve("top.qcow2");
        Qemu.create(top, 0, Map.of("compat", "0.10", "backing_file", base.toString(), "backing_fmt", "raw"));
        try (BlockImage image = Qemu.open(top)) {
            scribble(image, ref, 9, 20);
        }
        Qemu.assertQemuCheckClean(top);
        assertArrayEquals(ref, Qemu.rawOf(top));
    }

    @Test
    void qemuCanContinueWritingOurImage() throws Exception {
        Path img = dir.resolve("w.qcow2");
        Qemu.create(img, 2 << 20, Map.of());
        try (BlockImage image = Qemu.open(img)) {
            image.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        Qemu.io(img, "write -P 0x42 64k 64k");
        byte[] data = Qemu.readAll(img);
        assertEquals(2, data[1]);
        assertEquals(0x42, data[100_000]);
        Qemu.assertQemuCheckClean(img);
    }

    @Test
    void externalDataFileRoundTrip() throws Exception {
        Path img = dir.resolve("d.qcow2");
        Qemu.create(img, 2 << 20, Map.of("data_file", dir.resolve("d.data").toString()));
        byte[] ref = new byte[2 << 20];
        try (BlockImage image = Qemu.open(img)) {
            scribble(image, ref, 3, 20);
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(ref, Qemu.rawOf(img));
        Path raw = dir.resolve("r.qcow2");
        Qemu.create(raw, 1 << 20, Map.of("data_file", dir.resolve("r.data").toString(), "data_file_raw", "on"));
        byte[] ref2 = new byte[1 << 20];
        try (BlockImage image = Qemu.open(raw)) {
            scribble(image, ref2, 4, 20);
        }
        Qemu.assertQemuCheckClean(raw);
        assertArrayEquals(ref2, Files.readAllBytes(dir.resolve("r.data")), "data_file_raw keeps a plain raw copy");
    }
}
