package vmm.storage.qcow2.luks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Recovers the master key from a LUKS1 header with a passphrase. */
final class KeySlotUnlocker {

    private static final Logger LOG = LoggerFactory.getLogger(KeySlotUnlocker.class);

    private KeySlotUnlocker() {
    }

    static SectorCipher unlock(LuksHeader header, String passphrase) throws WrongPassphraseException {
        byte[] secret = passphrase.getBytes(StandardCharsets.UTF_8);
        int tried = 0;
        try {
            for (LuksKeySlot slot : header.keySlots()) {
                if (!slot.active()) {
                    continue;
                }
                tried++;
                byte[] masterKey = tryKeySlot(header, slot, secret);
                if (masterKey != null) {
                    LOG.debug("{}: LUKS key slot {} unlocked", header.imageName(), slot.index());
                    XtsCipher cipher = new XtsCipher(masterKey, header.ivMode());
                    Arrays.fill(masterKey, (byte) 0);
                    return cipher;
                }
            }
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        throw new WrongPassphraseException(header.imageName() + ": wrong passphrase: "
                + (tried == 0 ? "the LUKS header has no active key slot"
                        : "none of the " + tried + " active LUKS key slots accepts it"));
    }

    /** The master key if the passphrase opens this slot, else null. */
    private static byte[] tryKeySlot(LuksHeader header, LuksKeySlot slot, byte[] secret) {
        LuksHash hash = header.hash();
        byte[] slotKey = Pbkdf2.derive(hash, secret, slot.salt(), slot.iterations(), header.keyBytes());
        byte[] material = slot.keyMaterial().clone();
        // The key material is encrypted like a tiny disk of its own: sectors count from 0 at
        // its start, whatever its offset in the header.
        new XtsCipher(slotKey, header.ivMode()).decrypt(0, material, 0, material.length);
        Arrays.fill(slotKey, (byte) 0);
        byte[] candidate = AfSplitter.merge(material, header.keyBytes(), slot.stripes(), hash);
        Arrays.fill(material, (byte) 0);
        byte[] digest = Pbkdf2.derive(hash, candidate, header.mkDigestSalt(), header.mkDigestIterations(),
                LuksHeader.DIGEST_LENGTH);
        if (MessageDigest.isEqual(digest, header.mkDigest())) {
            return candidate;
        }
        Arrays.fill(candidate, (byte) 0);
        return null;
    }
}
