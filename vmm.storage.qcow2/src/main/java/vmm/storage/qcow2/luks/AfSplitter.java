package vmm.storage.qcow2.luks;

import java.security.MessageDigest;
import java.util.Random;

/**
 * The LUKS1 anti-forensic information splitter: a key is spread over {@code stripes} blocks
 * so that destroying any one block of the key material destroys the key. Between stripes the
 * running block is diffused with the header hash, block by block, each digest input prefixed
 * with its big-endian 32-bit index (cryptsetup's and QEMU's reading of the spec).
 */
public final class AfSplitter {

    private AfSplitter() {
    }

    /** Splits {@code key} into {@code key.length * stripes} bytes of key material. */
    public static byte[] split(byte[] key, int stripes, LuksHash hash, Random random) {
        int n = key.length;
        byte[] out = new byte[Math.multiplyExact(n, stripes)];
        byte[] d = new byte[n];
        byte[] stripe = new byte[n];
        for (int i = 0; i < stripes - 1; i++) {
            random.nextBytes(stripe);
            System.arraycopy(stripe, 0, out, i * n, n);
            xorInto(d, out, i * n);
            diffuse(d, hash);
        }
        for (int j = 0; j < n; j++) {
            out[(stripes - 1) * n + j] = (byte) (d[j] ^ key[j]);
        }
        return out;
    }

    /** Recovers the {@code keyBytes}-long key from split material (inverse of {@link #split}). */
    public static byte[] merge(byte[] material, int keyBytes, int stripes, LuksHash hash) {
        if ((long) keyBytes * stripes > material.length) {
            throw new IllegalArgumentException("key material shorter than keyBytes * stripes");
        }
        byte[] d = new byte[keyBytes];
        for (int i = 0; i < stripes - 1; i++) {
            xorInto(d, material, i * keyBytes);
            diffuse(d, hash);
        }
        for (int j = 0; j < keyBytes; j++) {
            d[j] ^= material[(stripes - 1) * keyBytes + j];
        }
        return d;
    }

    private static void xorInto(byte[] d, byte[] src, int off) {
        for (int j = 0; j < d.length; j++) {
            d[j] ^= src[off + j];
        }
    }

    private static void diffuse(byte[] d, LuksHash hash) {
        MessageDigest md = hash.newDigest();
        int h = hash.digestLength();
        for (int block = 0, pos = 0; pos < d.length; block++, pos += h) {
            int len = Math.min(h, d.length - pos);
            md.update(new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8), (byte) block});
            md.update(d, pos, len);
            byte[] digest = md.digest();
            System.arraycopy(digest, 0, d, pos, len);
        }
    }
}
