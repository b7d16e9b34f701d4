package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import vmm.core.block.BlockImage;
import vmm.core.block.CorruptImageException;
import vmm.core.block.OpenOptions;

/** Patched images fail with a CorruptImageException naming the file and the problem, and stay untouched. */
class HostileImagesTest {

    @TempDir
    Path dir;
    Path img;

    @BeforeEach
    void makeImage() throws Exception {
        img = dir.resolve("h.qcow2");
        // Layout as qemu-img creates it: header, refcount table @64k, refcount block @128k, L1 @192k.
        Qemu.ok("qemu-img", "create", "-f", "qcow2", img.toString(), "4M");
        Qemu.io(img, "write -P 0x11 0 128k");
        Qemu.ok("qemu-img", "snapshot", "-c", "snap", img.toString());
    }

    private void patch(long offset, byte[] bytes) throws Exception {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    private static byte[] u32(long v) {
        return ByteBuffer.allocate(4).putInt((int) v).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    private CorruptImageException assertCorrupt(String expectedText, boolean readOnly) throws Exception {
        byte[] before = Files.readAllBytes(img);
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> {
            try (BlockImage i = Qemu.FORMATS.open(img, "qcow2", readOnly ? OpenOptions.readOnlyImage()
                    : OpenOptions.readWrite())) {
                i.read(0, ByteBuffer.allocate((int) i.size()));
            }
        });
        assertTrue(e.getMessage().contains(img.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expectedText), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(img), "image must not be written");
        return e;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "L1 past end, 40, 8, 0x7fff0000, past the end",
            "L1 unaligned, 40, 8, 0x30008, multiple of the cluster size",
            "L1 over header, 40, 8, 0x0, multiple of the cluster size",
            "huge l1_size, 36, 4, 0x7fffffff, 32 MiB",
            "huge refcount table, 56, 4, 0x7fffffff, 8 MiB",
            "refcount table over header, 48, 8, 0x0, multiple of the cluster size",
            "refcount table over L1, 48, 8, 0x30000, overlaps the L1 table",
            "huge snapshot count, 60, 4, 0x7fffffff, snapshots",
            "cluster bits, 20, 4, 0x1e, cluster_bits",
            "refcount order, 96, 4, 0x7, refcount_order",
            "L1 entry past end, 0x30000, 8, 0x80000000ffff0000, past the end",
            "L1 entry unaligned, 0x30000, 8, 0x8000000000040200, unaligned",
            "refcount block unaligned, 0x10000, 8, 0x20100, not cluster aligned",
            "refcount block past end, 0x10000, 8, 0x7fff0000, past the end",
            "refcount block over L1, 0x10000, 8, 0x30000, overlaps",
            "L2 table over refcount block, 0x30000, 8, 0x8000000000020000, overlaps",
            "L2 table over refcount table, 0x30000, 8, 0x8000000000010000, overlaps",
    })
    void rejected(String name, long offset, int width, String value, String message) throws Exception {
        long v = Long.parseUnsignedLong(value.substring(2), 16);
        patch(offset, width == 4 ? u32(v) : u64(v));
        assertCorrupt(message, false);
    }

    @Test
    void l2EntryPastEndOfFile() throws Exception {
        long l2 = ByteBuffer.wrap(Files.readAllBytes(img)).getLong(0x30000) & 0x00fffffffffffe00L;
        patch(l2, u64(0x8000000100000000L));
        assertCorrupt("past the end", true);
    }

    @ParameterizedTest(name = "data cluster over {0}")
    @CsvSource({"refcount table, 0x10000", "refcount block, 0x20000", "L1 table, 0x30000"})
    void dataWritesNeverLandOnMetadata(String what, String target) throws Exception {
        long l2 = ByteBuffer.wrap(Files.readAllBytes(img)).getLong(0x30000) & 0x00fffffffffffe00L;
        // Guest cluster 5 claims to own (COPIED) a metadata cluster.
        patch(l2 + 5 * 8, u64(0x8000000000000000L | Long.decode(target)));
        byte[] before = Files.readAllBytes(img);
        try (BlockImage i = Qemu.FORMATS.open(img, "qcow2", OpenOptions.readWrite())) {
            CorruptImageException e = assertThrows(CorruptImageException.class,
                    () -> i.write(5 * 65536 + 100, ByteBuffer.wrap(new byte[] {1, 2, 3})));
            assertTrue(e.getMessage().contains("metadata") && e.getMessage().contains(img.toString()), e.getMessage());
        }
        byte[] after = Files.readAllBytes(img);
        long target0 = Long.decode(target);
        assertArrayEquals(java.util.Arrays.copyOfRange(before, (int) target0, (int) target0 + 65536),
                java.util.Arrays.copyOfRange(after, (int) target0, (int) target0 + 65536), what + " untouched");
    }

    @Test
    void compressedDescriptorPastEndOfFile() throws Exception {
        long l2 = ByteBuffer.wrap(Files.readAllBytes(img)).getLong(0x30000) & 0x00fffffffffffe00L;
        patch(l2 + 8, u64(0x4000000000000000L | 0x7ff0000L));
        assertCorrupt("past the end", true);
    }

    @Test
    void snapshotTableWithHugeExtraData() throws Exception {
        long snaps = ByteBuffer.wrap(Files.readAllBytes(img)).getLong(64);
        patch(snaps + 36, u32(0x7fffffff));
        assertCorrupt("extra data", true);
    }

    @Test
    void unknownIncompatibleFeatureIsNamed() throws Exception {
        // Bit 9, named through the feature name table as QEMU would.
        patch(72, u64(1L << 9));
        byte[] all = Files.readAllBytes(img);
        int table = indexOf(all, u32(0x6803f857));
        byte[] entry = new byte[48];
        entry[0] = 0;
        entry[1] = 9;
        byte[] n = "fancy new thing".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, entry, 2, n.length);
        patch(table + 8, entry);
        assertCorrupt("fancy new thing", true);
    }

    @Test
    void corruptBitAllowsReadOnlyOnly() throws Exception {
        patch(72, u64(2));
        assertCorrupt("corrupt", false);
        try (BlockImage i = Qemu.FORMATS.open(img, "qcow2", OpenOptions.readOnlyImage())) {
            ByteBuffer b = ByteBuffer.allocate(16);
            i.read(0, b);
            assertTrue(b.get(3) == 0x11);
        }
    }

    @Test
    void backingChainLoop() throws Exception {
        Path a = dir.resolve("a.qcow2");
        Path b = dir.resolve("b.qcow2");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", a.toString(), "1M");
        Qemu.ok("qemu-img", "create", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", b.toString());
        Qemu.ok("qemu-img", "rebase", "-u", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", a.toString());
        CorruptImageException e = assertThrows(CorruptImageException.class,
                () -> Qemu.FORMATS.open(b, "qcow2", OpenOptions.readOnlyImage()).close());
        assertTrue(e.getMessage().contains("backing chain"), e.getMessage());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
