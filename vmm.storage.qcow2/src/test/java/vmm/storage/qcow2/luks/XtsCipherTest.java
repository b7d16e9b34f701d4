package vmm.storage.qcow2.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class XtsCipherTest {

    private static final HexFormat HEX = HexFormat.of();

    private static byte[] counting(int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void ieee1619Vector4WithAes128Keys() throws Exception {
        byte[] key = HEX.parseHex("27182818284590452353602874713526" + "31415926535897932384626433832795");
        byte[] buf = counting(256);
        byte[] sector = new byte[512];
        System.arraycopy(buf, 0, sector, 0, 256);
        System.arraycopy(buf, 0, sector, 256, 256);
        new XtsCipher(key, XtsCipher.IvMode.PLAIN64).encrypt(0, sector, 0, 512);
        assertEquals("27a7479befa1d476489f308cd4cfa6e2a96e4bbe3208ff25287dd3819616e89c",
                HEX.formatHex(sector, 0, 32));
        assertEquals("0a282df920147beabe421ee5319d0568", HEX.formatHex(sector, 496, 512));
        // Whole-sector digest computed with OpenSSL's AES-XTS (python cryptography).
        assertEquals("ebee4d64dd2395bb2d6a2d37a0a48ecb2bf4913cfc99d27c2214f2f4144715ea", sha256(sector));
    }

    @Test
    void aes256KeysAndLargeSectorNumberMatchOpenSsl() throws Exception {
        byte[] sector = new byte[512];
        System.arraycopy(counting(256), 0, sector, 0, 256);
        System.arraycopy(counting(256), 0, sector, 256, 256);
        new XtsCipher(counting(64), XtsCipher.IvMode.PLAIN64).encrypt(0x1_2345_6789L, sector, 0, 512);
        assertEquals("928d51552c15f3ad63778cf86fd35927a591778f6ea27efeda4f2e6e6dce6a00", sha256(sector));
    }

    @Test
    void multiSectorCallEqualsSectorBySectorWithConsecutiveNumbers() {
        byte[] key = new byte[64];
        new Random(1).nextBytes(key);
        XtsCipher x = new XtsCipher(key, XtsCipher.IvMode.PLAIN64);
        // Spans more than one internal 64 KiB chunk and starts at an odd offset in the array.
        int len = 300 * 512;
        byte[] plain = new byte[len + 7];
        new Random(2).nextBytes(plain);
        byte[] whole = plain.clone();
        x.encrypt(1000, whole, 7, len);
        byte[] bySector = plain.clone();
        for (int s = 0; s < 300; s++) {
            x.encrypt(1000 + s, bySector, 7 + s * 512, 512);
        }
        assertArrayEquals(bySector, whole);
        assertEquals(plain[3], whole[3]);
        x.decrypt(1000, whole, 7, len);
        assertArrayEquals(plain, whole);
    }

    @Test
    void plainTruncatesSectorNumberTo32Bits() {
        byte[] key = counting(32);
        XtsCipher plain = new XtsCipher(key, XtsCipher.IvMode.PLAIN);
        XtsCipher plain64 = new XtsCipher(key, XtsCipher.IvMode.PLAIN64);
        byte[] a = new byte[512];
        byte[] b = new byte[512];
        plain.encrypt(5 + (1L << 32), a, 0, 512);
        plain64.encrypt(5, b, 0, 512);
        assertArrayEquals(b, a);
        byte[] c = new byte[512];
        plain64.encrypt(5 + (1L << 32), c, 0, 512);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void rejectsBadKeysAndLengths() {
        assertThrows(IllegalArgumentException.class, () -> new XtsCipher(new byte[48], XtsCipher.IvMode.PLAIN64));
        XtsCipher x = new XtsCipher(new byte[32], XtsCipher.IvMode.PLAIN64);
        assertThrows(IllegalArgumentException.class, () -> x.encrypt(0, new byte[1024], 0, 500));
        assertThrows(IndexOutOfBoundsException.class, () -> x.decrypt(0, new byte[1024], 600, 512));
    }

    @Test
    void concurrentUseGivesTheSameResultsAsSequential() throws Exception {
        XtsCipher x = new XtsCipher(counting(64), XtsCipher.IvMode.PLAIN64);
        byte[] expected = new byte[8192];
        x.encrypt(42, expected, 0, expected.length);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                results.add(pool.submit(() -> {
                    byte[] b = new byte[8192];
                    for (int i = 0; i < 50; i++) {
                        Arrays.fill(b, (byte) 0);
                        x.encrypt(42, b, 0, b.length);
                    }
                    return b;
                }));
            }
            for (Future<byte[]> f : results) {
                assertArrayEquals(expected, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }
}
