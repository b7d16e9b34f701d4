package vmm.storage.qcow2.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

class Pbkdf2Test {

    private static final HexFormat HEX = HexFormat.of();

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void rfc6070Sha1Vectors() {
        assertEquals("0c60c80f961f0e71f3a9b524af6012062fe037a6",
                HEX.formatHex(Pbkdf2.derive(LuksHash.SHA1, ascii("password"), ascii("salt"), 1, 20)));
        assertEquals("4b007901b765489abead49d926f721d065a429c1",
                HEX.formatHex(Pbkdf2.derive(LuksHash.SHA1, ascii("password"), ascii("salt"), 4096, 20)));
    }

    @Test
    void rfc7914Sha256VectorSpanningTwoBlocks() {
        assertEquals("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                        + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
                HEX.formatHex(Pbkdf2.derive(LuksHash.SHA256, ascii("passwd"), ascii("salt"), 1, 64)));
    }

    @Test
    void agreesWithJdkPbkdf2ForTextPasswords() throws Exception {
        byte[] salt = HEX.parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        for (LuksHash h : LuksHash.values()) {
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2With" + h.macAlgorithm());
            byte[] jdk = f.generateSecret(new PBEKeySpec("pässwörd".toCharArray(), salt, 1234, 64 * 8)).getEncoded();
            assertArrayEquals(jdk, Pbkdf2.derive(h, "pässwörd".getBytes(StandardCharsets.UTF_8), salt, 1234, 64), h.spec());
        }
    }

    @Test
    void parallelBlocksAgreeWithJdk() throws Exception {
        // sha1 with 64 output bytes is four blocks, computed concurrently at this count.
        byte[] salt = ascii("0123456789abcdef0123456789abcdef");
        byte[] jdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1")
                .generateSecret(new PBEKeySpec("PASS".toCharArray(), salt, 20_000, 64 * 8)).getEncoded();
        assertArrayEquals(jdk, Pbkdf2.derive(LuksHash.SHA1, ascii("PASS"), salt, 20_000, 64));
    }
}
