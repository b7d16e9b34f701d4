package vmm.storage.qcow2;

import java.io.IOException;

/**
 * Encryption of guest data clusters. For LUKS, QEMU derives each 512-byte sector's IV from
 * the host offset ("crypt_physical_offset"), so callers pass host offsets, sector aligned.
 */
interface DataEncryption {

    void encrypt(long hostOffset, byte[] buf, int off, int len) throws IOException;

    void decrypt(long hostOffset, byte[] buf, int off, int len) throws IOException;

    /** Facts for {@code img info} ("encrypt" in qemu-img's format-specific data). */
    java.util.Map<String, Object> info();
}
