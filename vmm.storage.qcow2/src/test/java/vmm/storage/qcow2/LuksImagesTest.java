package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockImage;
import vmm.core.block.OpenOptions;

/** qcow2 with LUKS encryption (encrypt.format=luks), both directions with QEMU. */
class LuksImagesTest {

    private static final String SECRET = "correct horse battery staple";

    @TempDir
    Path dir;

    private static String opts(Path img) {
        return "driver=qcow2,file.filename=" + img + ",encrypt.key-secret=sec0";
    }

    private static String secretObject() {
        return "secret,id=sec0,data=" + SECRET;
    }

    private static byte[] qemuRaw(Path img) throws Exception {
        Path raw = img.resolveSibling("out.raw");
        Files.deleteIfExists(raw);
        Qemu.ok("qemu-img", "convert", "--object", secretObject(), "--image-opts", opts(img), "-O", "raw",
                raw.toString());
        return Files.readAllBytes(raw);
    }

    private static BlockImage open(Path img, boolean readOnly) throws IOException {
        return Qemu.FORMATS.open(img, "qcow2",
                (readOnly ? OpenOptions.readOnlyImage() : OpenOptions.readWrite()).withPassphrase(SECRET));
    }

    @Test
    void readsImagesQemuEncrypted() throws Exception {
        Path img = dir.resolve("q.qcow2");
        vmm.storage.qcow2.luks.QemuTool.createEncrypted(dir, "qemu-img", "create", "--object", secretObject(), "-f",
                "qcow2", "-o", "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10", img.toString(), "2M");
        Qemu.ok("qemu-io", "--object", secretObject(), "--image-opts", opts(img), "-c", "write -P 0x3c 1000 300k",
                "-c", "write -z 128k 64k");
        byte[] expected = qemuRaw(img);
        try (BlockImage i = open(img, true)) {
            ByteBuffer b = ByteBuffer.allocate((int) i.size());
            i.read(0, b);
            assertArrayEquals(expected, b.array());
            assertEquals("luks", ((Map<?, ?>) i.info().specific().get("encrypt")).get("format"));
        }
        assertThrows(IOException.class, () -> Qemu.FORMATS.open(img, "qcow2",
                OpenOptions.readOnlyImage().withPassphrase("wrong")).close());
        assertThrows(IOException.class, () -> Qemu.FORMATS.open(img, "qcow2", OpenOptions.readOnlyImage()).close());
    }

    @Test
    void imagesEncryptedHereOpenInQemu() throws Exception {
        Path img = dir.resolve("o.qcow2");
        int size = 2 << 20;
        Qemu.create(img, size, Map.of("encrypt.format", "luks", "encrypt.key-secret", SECRET,
                "encrypt.iter-time", "10", "cluster_size", "4096"));
        byte[] ref = new byte[size];
        try (BlockImage i = open(img, false)) {
            WriteImagesTest.scribble(i, ref, 77, 30);
            WriteImagesTest.assertReads(i, ref);
        }
        assertArrayEquals(ref, qemuRaw(img));
        String check = Qemu.ok("qemu-img", "check", "--object", secretObject(), "--image-opts", opts(img));
        assertTrue(check.contains("No errors"), check);
        byte[] onDisk = Files.readAllBytes(img);
        assertEquals(-1, indexOfRun(onDisk, ref), "guest data must not appear in clear text");
    }

    /** Finds a 64-byte non-zero run of {@code ref} in {@code hay}, or -1. */
    private static int indexOfRun(byte[] hay, byte[] ref) {
        int at = -1;
        for (int i = 0; i + 64 < ref.length; i += 4096) {
            boolean nonZero = false;
            for (int k = 0; k < 64; k++) {
                nonZero |= ref[i + k] != 0;
            }
            if (nonZero) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            return -1;
        }
        outer:
        for (int i = 0; i + 64 <= hay.length; i++) {
            for (int k = 0; k < 64; k++) {
                if (hay[i + k] != ref[at + k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
