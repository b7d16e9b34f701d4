package vmm.storage.qcow2.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AfSplitterTest {

    @Test
    void mergeInvertsSplitForEveryHash() {
        for (LuksHash h : LuksHash.values()) {
            // 64 is not a multiple of sha1's 20-byte digest, which exercises the partial block.
            for (int keyBytes : new int[] {32, 64}) {
                byte[] key = new byte[keyBytes];
                new Random(keyBytes).nextBytes(key);
                byte[] material = AfSplitter.split(key, 4000, h, new Random(7));
                assertEquals(keyBytes * 4000, material.length);
                assertArrayEquals(key, AfSplitter.merge(material, keyBytes, 4000, h), h.spec() + "/" + keyBytes);
            }
        }
    }

    @Test
    void anyDamagedStripeDestroysTheKey() {
        byte[] key = new byte[64];
        new Random(3).nextBytes(key);
        byte[] material = AfSplitter.split(key, 4000, LuksHash.SHA256, new Random(4));
        material[64 * 1234 + 5] ^= 1;
        assertFalse(Arrays.equals(key, AfSplitter.merge(material, 64, 4000, LuksHash.SHA256)));
    }

    @Test
    void singleStripeIsTheKeyItself() {
        byte[] key = {1, 2, 3, 4};
        assertArrayEquals(key, AfSplitter.split(key, 1, LuksHash.SHA1, new Random(0)));
    }
}
