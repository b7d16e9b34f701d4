package vmm.storage.raw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.CreateOptions;
import vmm.core.block.OpenOptions;
import vmm.core.block.ReadOnlyImageException;

class RawImageTest {
    @TempDir
    Path dir;

    private final RawFormat raw = new RawFormat();
    private final BlockFormats formats = BlockFormats.of(raw);

    @Test
    void createWriteReadBack() throws Exception {
        Path img = dir.resolve("a.raw");
        raw.create(img, new CreateOptions(4 << 20, Map.of()), formats);
        assertEquals(4 << 20, Files.size(img));
        try (BlockImage image = formats.open(img, "raw", OpenOptions.readWrite())) {
            byte[] data = new byte[8192];
            java.util.Arrays.fill(data, (byte) 0x5a);
            image.write(12345, ByteBuffer.wrap(data));
            image.writeZeroes(12345 + 4096, 100);
            image.flush();
            ByteBuffer back = ByteBuffer.allocate(8192);
            image.read(12345, back);
            byte[] expected = data.clone();
            java.util.Arrays.fill(expected, 4096, 4196, (byte) 0);
            assertArrayEquals(expected, back.array());
        }
    }

    @Test
    void outOfRangeAndReadOnlyAreErrors() throws Exception {
        Path img = dir.resolve("b.raw");
        raw.create(img, new CreateOptions(1 << 20, Map.of()), formats);
        try (BlockImage image = formats.open(img, "raw", OpenOptions.readOnlyImage())) {
            EOFException e = assertThrows(EOFException.class, () -> image.read((1 << 20) - 10, ByteBuffer.allocate(20)));
            assertTrue(e.getMessage().contains("outside the disk"), e.getMessage());
            assertThrows(ReadOnlyImageException.class, () -> image.write(0, ByteBuffer.allocate(1)));
        }
    }

    @Test
    void unknownOptionIsNamed() {
        var e = assertThrows(java.io.IOException.class,
                () -> raw.create(dir.resolve("c.raw"), new CreateOptions(1024, Map.of("cluster_size", "64k")), formats));
        assertTrue(e.getMessage().contains("cluster_size"), e.getMessage());
    }
}
