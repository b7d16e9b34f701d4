package vmm.storage.qcow2.luks;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * PBKDF2 (RFC 8018) over the JDK's HMAC. The JDK's own {@code PBKDF2WithHmac*} takes the
 * password as chars and UTF-8 encodes them, which cannot express the binary master key that
 * LUKS feeds through PBKDF2 for its digest; so the loop is done here on raw bytes.
 */
final class Pbkdf2 {

    // Below this the thread hand-off costs more than it saves.
    private static final int PARALLEL_THRESHOLD = 10_000;

    private Pbkdf2() {
    }

    static byte[] derive(LuksHash hash, byte[] password, byte[] salt, int iterations, int length) {
        if (iterations < 1 || length < 1) {
            throw new IllegalArgumentException("iterations and length must be positive");
        }
        int hLen = hash.digestLength();
        int blocks = (length + hLen - 1) / hLen;
        byte[] out = new byte[length];
        // Output blocks are independent; a 512-bit XTS key from sha256 is two of them, so
        // computing them side by side halves unlock time on a multi-core host.
        IntStream range = IntStream.rangeClosed(1, blocks);
        (blocks > 1 && iterations >= PARALLEL_THRESHOLD ? range.parallel() : range).forEach(block -> {
            byte[] t = block(hash, password, salt, iterations, block);
            int pos = (block - 1) * hLen;
            System.arraycopy(t, 0, out, pos, Math.min(hLen, length - pos));
            Arrays.fill(t, (byte) 0);
        });
        return out;
    }

    private static byte[] block(LuksHash hash, byte[] password, byte[] salt, int iterations, int block) {
        try {
            Mac mac = Mac.getInstance(hash.macAlgorithm());
            // An empty HMAC key is legal in PBKDF2 but SecretKeySpec refuses it; HMAC pads
            // keys with zeros, so a single zero byte is the same key.
            byte[] macKey = password.length == 0 ? new byte[1] : password;
            mac.init(new SecretKeySpec(macKey, hash.macAlgorithm()));
            int hLen = mac.getMacLength();
            byte[] u = new byte[hLen];
            byte[] t = new byte[hLen];
            mac.update(salt);
            mac.update(new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8), (byte) block});
            mac.doFinal(u, 0);
            System.arraycopy(u, 0, t, 0, hLen);
            for (int i = 1; i < iterations; i++) {
                mac.update(u);
                mac.doFinal(u, 0);
                for (int j = 0; j < hLen; j++) {
                    t[j] ^= u[j];
                }
            }
            Arrays.fill(u, (byte) 0);
            return t;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks " + hash.macAlgorithm(), e);
        }
    }
}
