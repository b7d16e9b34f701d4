package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockImage;
import vmm.core.block.Checkable;
import vmm.core.block.Checkable.CheckReport;
import vmm.core.block.OpenOptions;

/** check() finds what qemu-img check finds, and repairs leaks so that qemu-img agrees. */
class CheckTest {

    @TempDir
    Path dir;

    private static long jsonField(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static void setRefcount16(Path img, long cluster, int value) throws Exception {
        // qemu-img's layout: the first refcount block is at 128 KiB, 16-bit big-endian counters.
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(2).putShort(0, (short) value), 0x20000 + cluster * 2);
        }
    }

    private CheckReport ours(Path img, boolean repair) throws Exception {
        try (BlockImage i = Qemu.FORMATS.open(img, "qcow2",
                repair ? OpenOptions.readWrite() : OpenOptions.readOnlyImage())) {
            return ((Checkable) i).check(repair);
        }
    }

    @Test
    void cleanImageAgreesWithQemu() throws Exception {
        Path img = dir.resolve("c.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", img.toString(), "8M");
        Qemu.io(img, "write -P 1 0 1M", "write -P 2 5M 100k");
        Qemu.ok("qemu-img", "snapshot", "-c", "s", img.toString());
        Qemu.io(img, "write -P 3 0 64k");
        String json = Qemu.ok("qemu-img", "check", "--output=json", img.toString());
        CheckReport r = ours(img, false);
        assertTrue(r.clean(), r.messages().toString());
        assertEquals(jsonField(json, "allocated-clusters"), r.allocatedClusters());
        assertEquals(jsonField(json, "total-clusters"), r.totalClusters());
        assertEquals(jsonField(json, "image-end-offset"), r.imageEndOffset());
    }

    @Test
    void persistentBitmapsAreCountedUntilWeInvalidateThemAsQemuDoes() throws Exception {
        Path img = dir.resolve("b.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", img.toString(), "4M");
        Qemu.ok("qemu-img", "bitmap", "--add", img.toString(), "b0");
        Qemu.io(img, "write -P 1 0 1M");
        CheckReport r = ours(img, false);
        assertTrue(r.clean(), r.messages().toString());
        // Writing without maintaining the bitmaps clears their autoclear bit; QEMU then sees their clusters as leaks.
        try (BlockImage i = Qemu.open(img)) {
            i.write(0, ByteBuffer.wrap(new byte[] {5}));
        }
        Qemu.Result q = Qemu.run("qemu-img", "check", "--output=json", img.toString());
        CheckReport after = ours(img, false);
        assertEquals(jsonField(q.out(), "leaks"), after.leaks(), q.out());
        assertTrue(after.leaks() > 0);
        assertTrue(ours(img, true).clean());
        Qemu.assertQemuCheckClean(img);
    }

    @Test
    void leaksAreFoundAndRepairedAsQemuSeesThem() throws Exception {
        Path img = dir.resolve("l.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", img.toString(), "8M");
        Qemu.io(img, "write -P 1 0 256k");
        // The header and the L1 table (cluster 3) get phantom references.
        setRefcount16(img, 0, 3);
        setRefcount16(img, 3, 2);
        Qemu.Result q = Qemu.run("qemu-img", "check", "--output=json", img.toString());
        assertEquals(3, q.exit(), q.out());
        CheckReport r = ours(img, false);
        assertEquals(2, jsonField(q.out(), "leaks"));
        assertEquals(jsonField(q.out(), "leaks"), r.leaks());
        assertEquals(0, r.corruptions());
        assertFalse(r.clean());
        CheckReport fixed = ours(img, true);
        assertEquals(2, fixed.leaksFixed());
        assertTrue(fixed.clean(), fixed.messages().toString());
        Qemu.assertQemuCheckClean(img);
        assertTrue(ours(img, false).clean());
    }

    @Test
    void missingReferencesAreCorruptionsAsInQemu() throws Exception {
        Path img = dir.resolve("x.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", img.toString(), "8M");
        Qemu.io(img, "write -P 1 0 128k");
        // Data clusters follow the L2 table at cluster 4; make the first one look free.
        setRefcount16(img, 5, 0);
        Qemu.Result q = Qemu.run("qemu-img", "check", "--output=json", img.toString());
        assertEquals(2, q.exit(), q.out());
        CheckReport r = ours(img, false);
        assertEquals(jsonField(q.out(), "corruptions"), r.corruptions(), r.messages().toString());
        assertTrue(r.messages().stream().anyMatch(m -> m.contains("cluster 5")), r.messages().toString());
    }
}
