package vmm.storage.qcow2.luks;

/**
 * One of the eight LUKS1 key slots as stored in the header.
 *
 * @param index                 0..7
 * @param active                whether the slot holds a key (0x00AC71F3) or is disabled (0x0000DEAD)
 * @param iterations            PBKDF2 iterations for the passphrase
 * @param salt                  32-byte PBKDF2 salt
 * @param keyMaterialSector     start of the split key material, in 512-byte sectors from the
 *                              start of the LUKS header (not of the qcow2 file)
 * @param stripes               anti-forensic stripes
 * @param keyMaterial           the encrypted split key material, whole sectors; null when inactive
 */
public record LuksKeySlot(int index, boolean active, int iterations, byte[] salt,
                          long keyMaterialSector, int stripes, byte[] keyMaterial) {

    static final int ACTIVE = 0x00AC71F3;
    static final int DISABLED = 0x0000DEAD;

    /** Bytes of key material for a key of {@code keyBytes}, rounded up to whole sectors. */
    static int materialLength(int keyBytes, int stripes) {
        long sectors = ((long) keyBytes * stripes + SectorCipher.SECTOR_SIZE - 1) / SectorCipher.SECTOR_SIZE;
        return Math.toIntExact(sectors * SectorCipher.SECTOR_SIZE);
    }

    long keyMaterialOffset() {
        return keyMaterialSector * SectorCipher.SECTOR_SIZE;
    }
}
