package vmm.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import vmm.core.block.CorruptImageException;
import vmm.storage.qcow2.luks.LuksCreateOptions;
import vmm.storage.qcow2.luks.LuksHeader;
import vmm.storage.qcow2.luks.SectorCipher;

/**
 * Glue between qcow2 and the LUKS implementation in {@code vmm.storage.qcow2.luks}: the LUKS
 * header lives in clusters named by the full disk encryption header extension, and data
 * clusters are encrypted with the host offset as sector number, as QEMU does.
 */
final class LuksSupport implements DataEncryption {

    private final LuksHeader luks;
    private final SectorCipher cipher;

    private LuksSupport(LuksHeader luks, SectorCipher cipher) {
        this.luks = luks;
        this.cipher = cipher;
    }

    static DataEncryption open(ImageFile file, Qcow2Header h, String passphrase) throws IOException {
        HeaderExtension ext = h.extension(HeaderExtension.FULL_DISK_ENCRYPTION);
        if (ext == null || ext.data().length < 16) {
            throw new CorruptImageException(file.path() + ": LUKS encryption without a crypto header extension");
        }
        ByteBuffer b = ByteBuffer.wrap(ext.data());
        long offset = b.getLong(0);
        long length = b.getLong(8);
        if (offset <= 0 || (offset & (h.clusterSize() - 1)) != 0) {
            throw new CorruptImageException(file.path() + ": LUKS header offset " + offset + " is not cluster aligned");
        }
        LuksHeader luks = LuksHeader.readEmbedded(file.path().toString(), file.channel(), offset, length);
        if (passphrase == null) {
            throw new IOException(file.path() + ": image is encrypted (LUKS); a passphrase is needed");
        }
        return new LuksSupport(luks, luks.unlock(passphrase));
    }

    /** Adds a LUKS header to a freshly created (still empty) image. */
    static DataEncryption create(Qcow2Image img, Map<String, String> options) throws IOException {
        Map<String, String> luksOptions = new HashMap<>();
        options.forEach((k, v) -> {
            if (k.startsWith("encrypt.")) {
                luksOptions.put(k.substring("encrypt.".length()), v);
            }
        });
        LuksCreateOptions o;
        try {
            o = LuksCreateOptions.fromQemuOptions(luksOptions);
        } catch (IllegalArgumentException e) {
            throw new IOException(img.path() + ": " + e.getMessage(), e);
        }
        LuksHeader.Created created = LuksHeader.create(img.path().toString(), options.get("encrypt.key-secret"), o);
        byte[] bytes = created.header().toBytes();
        int clusters = (bytes.length + img.clusterSize - 1) / img.clusterSize;
        img.meta.lock();
        try {
            long off = img.allocator.allocate(clusters);
            byte[] padded = new byte[clusters * img.clusterSize];
            System.arraycopy(bytes, 0, padded, 0, bytes.length);
            img.file.write(off, padded);
            img.flushMetadata();
            img.header.cryptMethod = Qcow2Header.CRYPT_LUKS;
            img.header.setExtension(HeaderExtension.FULL_DISK_ENCRYPTION,
                    ByteBuffer.allocate(16).putLong(0, off).putLong(8, bytes.length).array());
            // QEMU keeps the crypto header extension first.
            var ext = img.header.extension(HeaderExtension.FULL_DISK_ENCRYPTION);
            img.header.extensions.remove(ext);
            img.header.extensions.addFirst(ext);
            img.writeHeader();
            img.guard.invalidate();
        } finally {
            img.meta.unlock();
        }
        return new LuksSupport(created.header(), created.cipher());
    }

    @Override
    public void encrypt(long hostOffset, byte[] buf, int off, int len) {
        cipher.encrypt(hostOffset / SectorCipher.SECTOR_SIZE, buf, off, len);
    }

    @Override
    public void decrypt(long hostOffset, byte[] buf, int off, int len) {
        cipher.decrypt(hostOffset / SectorCipher.SECTOR_SIZE, buf, off, len);
    }

    @Override
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "luks");
        m.put("cipher-alg", luks.cipherName() + "-" + (luks.keyBytes() * 4));
        m.put("cipher-mode", "xts");
        m.put("ivgen-alg", luks.ivMode().spec());
        m.put("hash-alg", luks.hash().spec());
        m.put("payload-offset", luks.payloadOffset());
        m.put("uuid", luks.uuid());
        return m;
    }
}
