package vmm.storage.qcow2.luks;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Builds new LUKS1 headers with QEMU's layout. */
final class LuksHeaderFactory {

    /** QEMU and cryptsetup put the first key material 4096 bytes in and align areas to it. */
    private static final int ALIGN_SECTORS = 4096 / SectorCipher.SECTOR_SIZE;

    private LuksHeaderFactory() {
    }

    static LuksHeader.Created create(String imageName, String passphrase, LuksCreateOptions o) {
        SecureRandom random = new SecureRandom();
        int keyBytes = o.keyBytes();
        LuksHash hash = o.hash();
        byte[] masterKey = new byte[keyBytes];
        random.nextBytes(masterKey);
        byte[] digestSalt = new byte[LuksHeader.SALT_LENGTH];
        random.nextBytes(digestSalt);
        byte[] digest = Pbkdf2.derive(hash, masterKey, digestSalt, o.digestIterations(), LuksHeader.DIGEST_LENGTH);

        int stripes = LuksHeader.MAX_STRIPES;
        int materialLength = LuksKeySlot.materialLength(keyBytes, stripes);
        long areaSectors = roundUp(materialLength / SectorCipher.SECTOR_SIZE, ALIGN_SECTORS);
        long payloadSectors = ALIGN_SECTORS + LuksHeader.KEY_SLOTS * areaSectors;

        List<LuksKeySlot> slots = new ArrayList<>(LuksHeader.KEY_SLOTS);
        slots.add(activeSlot(passphrase, masterKey, o, random, ALIGN_SECTORS, stripes, materialLength));
        for (int i = 1; i < LuksHeader.KEY_SLOTS; i++) {
            slots.add(new LuksKeySlot(i, false, 0, new byte[LuksHeader.SALT_LENGTH],
                    ALIGN_SECTORS + i * areaSectors, stripes, null));
        }
        LuksHeader header = new LuksHeader(imageName, "aes", "xts-" + o.ivMode().spec(), hash, o.ivMode(),
                payloadSectors, keyBytes, digest, digestSalt, o.digestIterations(), UUID.randomUUID().toString(),
                slots, Math.toIntExact(payloadSectors * SectorCipher.SECTOR_SIZE));
        XtsCipher cipher = new XtsCipher(masterKey, o.ivMode());
        Arrays.fill(masterKey, (byte) 0);
        return new LuksHeader.Created(header, cipher);
    }

    private static LuksKeySlot activeSlot(String passphrase, byte[] masterKey, LuksCreateOptions o,
                                          SecureRandom random, long sector, int stripes, int materialLength) {
        byte[] salt = new byte[LuksHeader.SALT_LENGTH];
        random.nextBytes(salt);
        byte[] secret = passphrase.getBytes(StandardCharsets.UTF_8);
        byte[] slotKey = Pbkdf2.derive(o.hash(), secret, salt, o.slotIterations(), o.keyBytes());
        Arrays.fill(secret, (byte) 0);
        byte[] material = Arrays.copyOf(AfSplitter.split(masterKey, stripes, o.hash(), random), materialLength);
        new XtsCipher(slotKey, o.ivMode()).encrypt(0, material, 0, material.length);
        Arrays.fill(slotKey, (byte) 0);
        return new LuksKeySlot(0, true, o.slotIterations(), salt, sector, stripes, material);
    }

    private static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
