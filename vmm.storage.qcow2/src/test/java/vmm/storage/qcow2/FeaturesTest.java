package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockImage;
import vmm.core.block.Extent;
import vmm.core.block.ImageInfo;
import vmm.core.block.OpenOptions;
import vmm.core.block.Rebasable;
import vmm.core.block.Resizable;

/** Lazy refcounts, crash consistency, info/map, resize, rebase, concurrency and option handling. */
class FeaturesTest {

    @TempDir
    Path dir;

    @Test
    void lazyRefcountsDirtyImageIsRebuiltOnOpen() throws Exception {
        Path img = dir.resolve("lazy.qcow2");
        Path crashed = dir.resolve("crashed.qcow2");
        int size = 4 << 20;
        Qemu.create(img, size, Map.of("lazy_refcounts", "on", "cluster_size", "4096"));
        byte[] ref = new byte[size];
        try (BlockImage image = Qemu.open(img)) {
            WriteImagesTest.scribble(image, ref, 21, 40);
            image.flush();
            // A copy taken now looks like the image after a crash: dirty bit set, refcounts stale.
            Files.copy(img, crashed, StandardCopyOption.REPLACE_EXISTING);
        }
        byte[] header = Files.readAllBytes(crashed);
        assertEquals(1, ByteBuffer.wrap(header).getLong(72) & 1, "dirty bit set while open");
        assertArrayEquals(ref, Qemu.readAll(crashed), "a dirty image reads correctly read-only");
        try (BlockImage image = Qemu.open(crashed)) {
            WriteImagesTest.assertReads(image, ref);
        }
        assertEquals(0, ByteBuffer.wrap(Files.readAllBytes(crashed)).getLong(72) & 1, "dirty bit cleared");
        Qemu.assertQemuCheckClean(crashed);
        assertArrayEquals(ref, Qemu.rawOf(crashed));
        Qemu.assertQemuCheckClean(img);
        assertTrue(Qemu.ok("qemu-img", "info", img.toString()).contains("lazy refcounts: true"));
    }

    @Test
    void unflushedStateOnDiskIsNeverCorrupt() throws Exception {
        Path img = dir.resolve("o.qcow2");
        int size = 4 << 20;
        Qemu.create(img, size, Map.of("cluster_size", "4096"));
        byte[] ref = new byte[size];
        try (BlockImage image = Qemu.open(img)) {
            for (int round = 0; round < 6; round++) {
                WriteImagesTest.scribble(image, ref, 100 + round, 15);
                if (round == 3) {
                    ((vmm.core.block.Snapshottable) image).createSnapshot("mid");
                }
                Path copy = dir.resolve("copy" + round + ".qcow2");
                Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
                Qemu.Result r = Qemu.run("qemu-img", "check", copy.toString());
                // 0: clean, 3: leaked clusters only; 2 would be corruption.
                assertTrue(r.exit() == 0 || r.exit() == 3, r.out());
            }
        }
    }

    @Test
    void infoMatchesQemuImgInfo() throws Exception {
        Path img = dir.resolve("i.qcow2");
        Qemu.create(img, 3 << 20, Map.of("compression_type", "zstd", "refcount_bits", "8", "extended_l2", "on",
                "lazy_refcounts", "on"));
        String json = Qemu.ok("qemu-img", "info", "--output=json", img.toString());
        try (BlockImage i = Qemu.FORMATS.open(img, "qcow2", OpenOptions.readOnlyImage())) {
            ImageInfo info = i.info();
            assertEquals(3 << 20, info.virtualSize());
            assertEquals(65536, info.clusterSize());
            for (var e : info.specific().entrySet()) {
                String expected = "\"" + e.getKey() + "\": " + (e.getValue() instanceof String s ? "\"" + s + "\"" : e.getValue());
                assertTrue(json.contains(expected), expected + " in " + json);
            }
            assertEquals(List.of("compat", "compression-type", "lazy-refcounts", "refcount-bits", "corrupt",
                    "extended-l2"), List.copyOf(info.specific().keySet()));
        }
    }

    @Test
    void mapExtentMatchesQemuImgMap() throws Exception {
        Path base = dir.resolve("b.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", base.toString(), "4M");
        Qemu.io(base, "write -P 1 0 1M");
        Path img = dir.resolve("m.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", img.toString());
        Qemu.io(img, "write -P 2 512k 128k", "write -z 2M 64k", "write -P 3 3M 64k");
        String json = Qemu.ok("qemu-img", "map", "--output=json", img.toString());
        List<String> ours = new ArrayList<>();
        try (BlockImage i = Qemu.FORMATS.open(img, "qcow2", OpenOptions.readOnlyImage())) {
            long pos = 0;
            Extent prev = null;
            while (pos < i.size()) {
                Extent e = i.mapExtent(pos, i.size() - pos);
                assertTrue(e.length() > 0);
                // qemu-img map merges neighbours that look the same; so do we, for the comparison.
                if (prev != null && prev.depth() == e.depth() && prev.data() == e.data() && prev.zero() == e.zero()
                        && (e.hostOffset() < 0 ? prev.hostOffset() < 0 : prev.hostOffset() + prev.length() == e.hostOffset())) {
                    prev = new Extent(prev.offset(), prev.length() + e.length(), e.data(), e.zero(), e.depth(), prev.hostOffset());
                    ours.set(ours.size() - 1, describe(prev));
                } else {
                    prev = e;
                    ours.add(describe(e));
                }
                pos += e.length();
            }
        }
        List<String> theirs = new ArrayList<>();
        Matcher m = Pattern.compile("\"start\": (\\d+), \"length\": (\\d+), \"depth\": (\\d+), \"present\": \\w+, "
                + "\"zero\": (\\w+), \"data\": (\\w+)(, \"offset\": (\\d+))?").matcher(json);
        while (m.find()) {
            theirs.add(m.group(1) + "+" + m.group(2) + " depth=" + m.group(3) + " zero=" + m.group(4) + " data="
                    + m.group(5));
        }
        assertEquals(theirs, ours);
    }

    private static String describe(Extent e) {
        return e.offset() + "+" + e.length() + " depth=" + e.depth() + " zero=" + e.zero() + " data=" + e.data();
    }

    @Test
    void resizeGrowsAndShrinks() throws Exception {
        Path img = dir.resolve("r.qcow2");
        Qemu.create(img, 1 << 20, Map.of("cluster_size", "512"));
        try (BlockImage i = Qemu.open(img)) {
            i.write(0, ByteBuffer.wrap(new byte[] {7, 7, 7}));
            i.write((1 << 20) - 1, ByteBuffer.wrap(new byte[] {8}));
            ((Resizable) i).resize(64L << 20);
            i.write((64L << 20) - 1, ByteBuffer.wrap(new byte[] {9}));
            assertEquals(64L << 20, i.size());
        }
        Qemu.assertQemuCheckClean(img);
        byte[] raw = Qemu.rawOf(img);
        assertEquals(64 << 20, raw.length);
        assertEquals(8, raw[(1 << 20) - 1]);
        assertEquals(9, raw[(64 << 20) - 1]);
        try (BlockImage i = Qemu.open(img)) {
            ((Resizable) i).resize(4096);
        }
        Qemu.assertQemuCheckClean(img);
        assertEquals(7, Qemu.rawOf(img)[2]);
        assertTrue(Qemu.ok("qemu-img", "info", img.toString()).contains("virtual size: 4 KiB"));
    }

    @Test
    void rebaseRewritesTheBackingReference() throws Exception {
        Path a = dir.resolve("a.qcow2");
        Path b = dir.resolve("b.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", a.toString(), "1M");
        Qemu.io(a, "write -P 0xaa 0 1M");
        Qemu.ok("cp", a.toString(), b.toString());
        Path top = dir.resolve("t.qcow2");
        Qemu.create(top, 0, Map.of("backing_file", "a.qcow2", "backing_fmt", "qcow2"));
        try (BlockImage i = Qemu.open(top)) {
            ((Rebasable) i).setBacking("b.qcow2", "qcow2");
        }
        String info = Qemu.ok("qemu-img", "info", top.toString());
        assertTrue(info.contains("backing file: b.qcow2"), info);
        Qemu.assertQemuCheckClean(top);
        try (BlockImage i = Qemu.open(top)) {
            ((Rebasable) i).setBacking(null, null);
        }
        assertTrue(!Qemu.ok("qemu-img", "info", top.toString()).contains("backing file"));
        Path other = dir.resolve("o.qcow2");
        Qemu.create(other, 0, Map.of("backing_file", "a.qcow2", "backing_fmt", "qcow2"));
        try (BlockImage i = Qemu.FORMATS.open(other, "qcow2", OpenOptions.readOnlyImage().withNoBacking(true))) {
            assertEquals("a.qcow2", i.info().backingFile());
            assertThrows(IOException.class, () -> i.read(0, ByteBuffer.allocate(512)),
                    "without its backing file an unallocated range cannot be read");
        }
        assertEquals(0, Qemu.readAll(top)[5]);
    }

    @Test
    void concurrentWritersAndReaders() throws Exception {
        Path img = dir.resolve("c.qcow2");
        int size = 16 << 20;
        Qemu.create(img, size, Map.of("cluster_size", "4096"));
        byte[] ref = new byte[size];
        try (BlockImage i = Qemu.open(img); ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                fs.add(pool.submit(() -> {
                    // Each thread owns interleaved 6 KiB stripes, so writes never overlap but share clusters.
                    Random r = new Random(thread);
                    for (int k = 0; k < 200; k++) {
                        int stripe = r.nextInt(size / 6144 / 8) * 8 + thread;
                        byte[] d = new byte[6144];
                        r.nextBytes(d);
                        i.write((long) stripe * 6144, ByteBuffer.wrap(d));
                        synchronized (ref) {
                            System.arraycopy(d, 0, ref, stripe * 6144, d.length);
                        }
                        ByteBuffer back = ByteBuffer.allocate(6144);
                        i.read((long) stripe * 6144, back);
                        assertArrayEquals(d, back.array());
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            WriteImagesTest.assertReads(i, ref);
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(ref, Qemu.rawOf(img));
    }

    @Test
    void createOptionsAreCheckedAndApplied() throws Exception {
        IOException e = assertThrows(IOException.class,
                () -> Qemu.create(dir.resolve("x.qcow2"), 1 << 20, Map.of("cluster_sise", "4096")));
        assertTrue(e.getMessage().contains("cluster_sise"), e.getMessage());
        assertThrows(IOException.class, () -> Qemu.create(dir.resolve("y.qcow2"), 1 << 20, Map.of("cluster_size", "3000")));
        assertThrows(IOException.class, () -> Qemu.create(dir.resolve("z.qcow2"), 1 << 20,
                Map.of("compat", "0.10", "extended_l2", "on")));
        Path v2 = dir.resolve("v2.qcow2");
        Qemu.create(v2, 5 << 20, Map.of("compat", "v2", "cluster_size", "2k"));
        String info = Qemu.ok("qemu-img", "info", v2.toString());
        assertTrue(info.contains("compat: 0.10") && info.contains("cluster_size: 2048"), info);
        Path v3 = dir.resolve("v3.qcow2");
        Qemu.create(v3, 5 << 20, Map.of("refcount_bits", "1", "compression_type", "zstd", "preallocation", "metadata"));
        info = Qemu.ok("qemu-img", "info", v3.toString());
        assertTrue(info.contains("compat: 1.1") && info.contains("refcount bits: 1")
                && info.contains("compression type: zstd"), info);
        Qemu.assertQemuCheckClean(v3);
        assertTrue(Qemu.ok("qemu-img", "map", "--output=json", v3.toString()).contains("\"offset\""));
        assertEquals(100, new Qcow2Format().probe(Files.readAllBytes(v3)));
        assertEquals(0, new Qcow2Format().probe(new byte[512]));
    }
}
