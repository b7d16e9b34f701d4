package vmm.storage.qcow2.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vmm.core.block.CorruptImageException;

class LuksHeaderTest {

    private static final String IMAGE = "test.qcow2";
    private static LuksHeader.Created created;
    private static byte[] valid;

    @BeforeAll
    static void createOnce() {
        // Minimum iterations: these tests are about structure, not key stretching.
        created = LuksHeader.create(IMAGE, "secret",
                new LuksCreateOptions(64, LuksHash.SHA256, XtsCipher.IvMode.PLAIN64, 1000, 1000));
        valid = created.header().toBytes();
    }

    @Test
    void createdLayoutIsQemus() {
        LuksHeader h = created.header();
        assertEquals(4040L * 512, h.payloadOffset());
        assertEquals(4040 * 512, valid.length);
        assertEquals(8, h.keySlots().size());
        for (LuksKeySlot s : h.keySlots()) {
            assertEquals(8 + 504L * s.index(), s.keyMaterialSector());
            assertEquals(4000, s.stripes());
            assertEquals(s.index() == 0, s.active());
        }
        assertEquals("xts-plain64", h.cipherMode());
        assertEquals(36, h.uuid().length());
    }

    @Test
    void serializedHeaderParsesBackAndUnlocks() throws IOException {
        LuksHeader parsed = LuksHeader.parse(IMAGE, valid);
        assertArrayEquals(valid, parsed.toBytes());
        assertEquals(created.header().uuid(), parsed.uuid());
        SectorCipher c = parsed.unlock("secret");
        byte[] a = new byte[1024];
        Arrays.fill(a, (byte) 0x5a);
        byte[] b = a.clone();
        created.cipher().encrypt(77, a, 0, a.length);
        c.encrypt(77, b, 0, b.length);
        assertArrayEquals(a, b);
    }

    @Test
    void wrongPassphraseIsNamedAsSuch() throws IOException {
        LuksHeader parsed = LuksHeader.parse(IMAGE, valid);
        WrongPassphraseException e = assertThrows(WrongPassphraseException.class, () -> parsed.unlock("Secret"));
        assertTrue(e.getMessage().startsWith(IMAGE + ": wrong passphrase"), e.getMessage());
    }

    @Test
    void secondActiveSlotIsTried() throws IOException {
        // Copy slot 0 into slot 3 (header entry and material) and disable slot 0.
        byte[] h = valid.clone();
        ByteBuffer b = ByteBuffer.wrap(h);
        System.arraycopy(h, 208, h, 208 + 3 * 48, 40);
        System.arraycopy(h, 8 * 512, h, (int) (8 + 3 * 504L) * 512, 500 * 512);
        b.putInt(208, 0xDEAD);
        LuksHeader parsed = LuksHeader.parse(IMAGE, h);
        assertFalse(parsed.keySlots().get(0).active());
        parsed.unlock("secret");
    }

    private static void assertCorrupt(String expected, Consumer<ByteBuffer> damage) {
        byte[] h = valid.clone();
        damage.accept(ByteBuffer.wrap(h));
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> LuksHeader.parse(IMAGE, h));
        assertTrue(e.getMessage().startsWith(IMAGE + ": LUKS header: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static void putString(ByteBuffer b, int at, String s) {
        byte[] field = new byte[32];
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, field, 0, bytes.length);
        b.put(at, field);
    }

    @Test
    void hostileHeadersAreRefusedWithTheProblemNamed() {
        assertCorrupt("bad magic", b -> b.put(0, (byte) 'X'));
        assertCorrupt("unsupported LUKS version 2", b -> b.putShort(6, (short) 2));
        assertCorrupt("unsupported cipher 'twofish'", b -> putString(b, 8, "twofish"));
        assertCorrupt("unsupported cipher mode 'cbc-essiv:sha256'", b -> putString(b, 40, "cbc-essiv:sha256"));
        assertCorrupt("unsupported hash 'whirlpool'", b -> putString(b, 72, "whirlpool"));
        assertCorrupt("non-printable", b -> b.put(9, (byte) 0x01));
        assertCorrupt("key bytes 2147483647 invalid", b -> b.putInt(108, Integer.MAX_VALUE));
        assertCorrupt("key bytes 4294967295 invalid", b -> b.putInt(108, -1));
        assertCorrupt("master key digest has 4294967295 PBKDF2 iterations", b -> b.putInt(164, -1));
        assertCorrupt("master key digest has 0 PBKDF2 iterations", b -> b.putInt(164, 0));
        assertCorrupt("payload offset 0 overlaps", b -> b.putInt(104, 0));
        assertCorrupt("key slot 0 has invalid state 0x12345", b -> b.putInt(208, 0x12345));
        assertCorrupt("key slot 0 has 2000000000 PBKDF2 iterations", b -> b.putInt(212, 2_000_000_000));
        assertCorrupt("key slot 0 has 4294967295 stripes", b -> b.putInt(208 + 44, -1));
        assertCorrupt("key slot 0 has 4001 stripes", b -> b.putInt(208 + 44, 4001));
        assertCorrupt("extends past the 2068480-byte header", b -> b.putInt(208 + 40, 4000));
        assertCorrupt("extends past the 2068480-byte header", b -> b.putInt(208 + 40, -1));
        assertCorrupt("overlaps the LUKS header", b -> b.putInt(208 + 40, 1));
        assertCorrupt("overlaps the payload at 102400", b -> b.putInt(104, 200));
        assertCorrupt("key slots 0 and 1 have overlapping key material", b -> {
            b.putInt(208 + 48, 0x00AC71F3);
            b.putInt(208 + 48 + 4, 1000);
            b.putInt(208 + 48 + 40, 100);
        });
    }

    @Test
    void truncatedAndOversizedRegionsAreRefused() {
        CorruptImageException e = assertThrows(CorruptImageException.class,
                () -> LuksHeader.parse(IMAGE, Arrays.copyOf(valid, 100)));
        assertTrue(e.getMessage().contains("shorter than the 592-byte"), e.getMessage());
        // Slot 0's material needs 8+500 sectors; cut the region in the middle of it.
        e = assertThrows(CorruptImageException.class, () -> LuksHeader.parse(IMAGE, Arrays.copyOf(valid, 100_000)));
        assertTrue(e.getMessage().contains("extends past the 100000-byte header"), e.getMessage());
    }

    @Test
    void embeddedReadChecksLengthAndFileBoundsBeforeAllocating(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("h.bin");
        Files.write(f, valid);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            assertEquals(created.header().uuid(), LuksHeader.readEmbedded(IMAGE, ch, 0, valid.length).uuid());
            CorruptImageException e = assertThrows(CorruptImageException.class,
                    () -> LuksHeader.readEmbedded(IMAGE, ch, 0, Long.MAX_VALUE));
            assertTrue(e.getMessage().contains("has length " + Long.MAX_VALUE), e.getMessage());
            e = assertThrows(CorruptImageException.class, () -> LuksHeader.readEmbedded(IMAGE, ch, 4096, valid.length));
            assertTrue(e.getMessage().contains("extends past the end of the " + valid.length + "-byte file"),
                    e.getMessage());
            e = assertThrows(CorruptImageException.class, () -> LuksHeader.readEmbedded(IMAGE, ch, Long.MAX_VALUE, 4096));
            assertTrue(e.getMessage().contains("extends past the end"), e.getMessage());
        }
    }

    @Test
    void qemuStyleCreateOptions() {
        LuksCreateOptions o = LuksCreateOptions.fromQemuOptions(Map.of("format", "luks", "key-secret", "s0",
                "cipher-alg", "aes-128", "hash-alg", "sha1", "ivgen-alg", "plain", "cipher-mode", "xts",
                "iter-time", "10"));
        assertEquals(32, o.keyBytes());
        assertEquals(LuksHash.SHA1, o.hash());
        assertEquals(XtsCipher.IvMode.PLAIN, o.ivMode());
        assertEquals(Math.max(1000, 10 * LuksCreateOptions.ITERATIONS_PER_MS), o.slotIterations());
        assertEquals(LuksCreateOptions.defaults(), LuksCreateOptions.fromQemuOptions(Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LuksCreateOptions.fromQemuOptions(Map.of("cipher-alg", "twofish-256")));
        assertTrue(e.getMessage().contains("encrypt.cipher-alg 'twofish-256'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LuksCreateOptions.fromQemuOptions(Map.of("bogus", "1")));
        assertTrue(e.getMessage().contains("encrypt.bogus"), e.getMessage());
    }
}
