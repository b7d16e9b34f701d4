package vmm.storage.qcow2.luks;

/**
 * Encrypts or decrypts whole 512-byte sectors in place. Consecutive sectors of one call get
 * consecutive sector numbers: the sector at {@code buf[off]} uses {@code sectorNumber}, the
 * one at {@code buf[off + 512]} uses {@code sectorNumber + 1}, and so on.
 *
 * <p>For qcow2 with {@code crypt_method = 2} (LUKS) the sector number is the HOST offset in the
 * qcow2 file divided by 512 (QEMU's {@code crypt_physical_offset}); for a standalone LUKS file
 * it is the byte offset relative to the payload start divided by 512.
 *
 * <p>Implementations are safe for concurrent use by several threads.
 */
public interface SectorCipher {

    int SECTOR_SIZE = 512;

    /** @throws IllegalArgumentException if len is not a multiple of 512 or the range is outside buf */
    void encrypt(long sectorNumber, byte[] buf, int off, int len);

    /** @throws IllegalArgumentException if len is not a multiple of 512 or the range is outside buf */
    void decrypt(long sectorNumber, byte[] buf, int off, int len);
}
