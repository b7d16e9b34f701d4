package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockImage;
import vmm.core.block.ImageInfo;
import vmm.core.block.Snapshottable;

/** Internal snapshots made here and by qemu-img work both ways. */
class SnapshotsTest {

    @TempDir
    Path dir;

    @Test
    void snapshotsCreatedHereAreListedAndRevertedByQemu() throws Exception {
        Path img = dir.resolve("s.qcow2");
        int size = 4 << 20;
        Qemu.create(img, size, Map.of("cluster_size", "4096"));
        byte[] ref = new byte[size];
        byte[] atFirst;
        try (BlockImage image = Qemu.open(img)) {
            WriteImagesTest.scribble(image, ref, 1, 30);
            ((Snapshottable) image).createSnapshot("first");
            atFirst = ref.clone();
            WriteImagesTest.scribble(image, ref, 2, 30);
            ((Snapshottable) image).createSnapshot("second");
            WriteImagesTest.scribble(image, ref, 3, 30);
            WriteImagesTest.assertReads(image, ref);
        }
        Qemu.assertQemuCheckClean(img);
        String list = Qemu.ok("qemu-img", "snapshot", "-l", img.toString());
        assertTrue(list.contains("first") && list.contains("second"), list);
        assertArrayEquals(ref, Qemu.rawOf(img));
        Path copy = dir.resolve("copy.qcow2");
        Qemu.ok("cp", img.toString(), copy.toString());
        Qemu.ok("qemu-img", "snapshot", "-a", "first", copy.toString());
        assertArrayEquals(atFirst, Qemu.readAll(copy), "qemu reverted to our snapshot");

        try (BlockImage image = Qemu.open(img)) {
            Snapshottable s = (Snapshottable) image;
            s.applySnapshot("first");
            WriteImagesTest.assertReads(image, atFirst);
            s.deleteSnapshot("second");
            WriteImagesTest.scribble(image, atFirst, 4, 20);
            assertEquals(List.of("first"), s.listSnapshots().stream().map(ImageInfo.SnapshotInfo::name).toList());
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(atFirst, Qemu.rawOf(img));
        try (BlockImage image = Qemu.open(img)) {
            ((Snapshottable) image).deleteSnapshot("1");
        }
        String check = Qemu.assertQemuCheckClean(img);
        assertTrue(check.contains("No errors"), check);
        assertTrue(Qemu.ok("qemu-img", "snapshot", "-l", img.toString()).isBlank());
    }

    @Test
    void snapshotsCreatedByQemuApplyHere() throws Exception {
        Path img = dir.resolve("q.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", img.toString(), "2M");
        Qemu.io(img, "write -P 0x01 0 1M");
        Qemu.ok("qemu-img", "snapshot", "-c", "base", img.toString());
        byte[] atBase = Qemu.rawOf(img);
        Qemu.io(img, "write -P 0x02 512k 1M");
        try (BlockImage image = Qemu.open(img)) {
            Snapshottable s = (Snapshottable) image;
            ImageInfo.SnapshotInfo info = s.listSnapshots().getFirst();
            assertEquals("base", info.name());
            assertEquals("1", info.id());
            assertTrue(info.dateSeconds() > 0);
            assertThrows(IOException.class, () -> s.createSnapshot("base"));
            s.applySnapshot("base");
            WriteImagesTest.assertReads(image, atBase);
            image.write(0, ByteBuffer.wrap(new byte[] {9}));
            atBase[0] = 9;
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(atBase, Qemu.rawOf(img));
    }

    @Test
    void snapshotsShareCompressedClusters() throws Exception {
        Path src = dir.resolve("src.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", src.toString(), "2M");
        Qemu.io(src, "write -P 0x0c 0 2M");
        Path img = dir.resolve("c.qcow2");
        Qemu.ok("qemu-img", "convert", "-c", "-O", "qcow2", src.toString(), img.toString());
        byte[] atA = Qemu.rawOf(img);
        byte[] ref = atA.clone();
        try (BlockImage image = Qemu.open(img)) {
            Snapshottable s = (Snapshottable) image;
            s.createSnapshot("a");
            WriteImagesTest.scribble(image, ref, 5, 10);
            s.createSnapshot("b");
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(ref, Qemu.rawOf(img));
        Qemu.ok("qemu-img", "snapshot", "-a", "a", img.toString());
        assertArrayEquals(atA, Qemu.readAll(img));
    }

    @Test
    void snapshotRestoresTheSizeItWasTakenAt() throws Exception {
        Path img = dir.resolve("g.qcow2");
        Qemu.create(img, 1 << 20, Map.of("cluster_size", "512"));
        byte[] small = new byte[1 << 20];
        try (BlockImage image = Qemu.open(img)) {
            WriteImagesTest.scribble(image, small, 8, 10);
            ((Snapshottable) image).createSnapshot("small");
            ((vmm.core.block.Resizable) image).resize(40 << 20);
            image.write((40 << 20) - 10, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ((Snapshottable) image).createSnapshot("big");
            ((Snapshottable) image).applySnapshot("small");
            assertEquals(1 << 20, image.size());
            WriteImagesTest.assertReads(image, small);
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(small, Qemu.rawOf(img));
        try (BlockImage image = Qemu.open(img)) {
            ((Snapshottable) image).applySnapshot("big");
            assertEquals(40 << 20, image.size());
            ByteBuffer b = ByteBuffer.allocate(3);
            image.read((40 << 20) - 10, b);
            assertArrayEquals(new byte[] {1, 2, 3}, b.array());
        }
        Qemu.assertQemuCheckClean(img);
    }

    @Test
    void refcountOverflowIsRefusedAndLeavesTheImageIntact() throws Exception {
        Path img = dir.resolve("n.qcow2");
        Qemu.create(img, 1 << 20, Map.of("refcount_bits", "2"));
        byte[] ref = new byte[1 << 20];
        try (BlockImage image = Qemu.open(img)) {
            WriteImagesTest.scribble(image, ref, 6, 10);
            Snapshottable s = (Snapshottable) image;
            s.createSnapshot("a");
            s.createSnapshot("b");
            IOException e = assertThrows(IOException.class, () -> s.createSnapshot("c"));
            assertTrue(e.getMessage().contains("overflow"), e.getMessage());
            WriteImagesTest.assertReads(image, ref);
        }
        Qemu.assertQemuCheckClean(img);
        assertArrayEquals(ref, Qemu.rawOf(img));
    }
}
