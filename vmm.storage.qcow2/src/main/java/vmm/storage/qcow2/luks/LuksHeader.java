package vmm.storage.qcow2.luks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import vmm.core.block.CorruptImageException;

/**
 * A LUKS1 header region: the 592-byte partition header (big-endian) followed by the key
 * material of its key slots, as QEMU stores it at the start of a {@code .luks} file or inside
 * a qcow2 file at the place named by the full disk encryption header extension. Key material
 * offsets are relative to the start of this region.
 *
 * <p>Only what QEMU creates by default and cryptsetup's common LUKS1 choice is accepted:
 * cipher {@code aes}, mode {@code xts-plain64} (or {@code xts-plain}), 256- or 512-bit keys,
 * hash sha1/sha256/sha512. Anything else, and any size, offset or count that would make us
 * read outside the region or allocate or compute without bound, is refused with a
 * {@link CorruptImageException} that names the image and the problem.
 */
public final class LuksHeader {

    public static final int PHDR_SIZE = 592;
    public static final int KEY_SLOTS = 8;
    /** What LUKS1 tools write; QEMU refuses anything else. Caps key material at 256000 bytes. */
    public static final int MAX_STRIPES = 4000;
    /** Bounds unlock time against hostile headers; ~10x the 7.1M QEMU 7.2 chose here for 2 s. */
    public static final int MAX_ITERATIONS = 1 << 26;
    /** The largest header region read or accepted; real ones are about 1-2 MiB. */
    public static final int MAX_HEADER_LENGTH = 32 << 20;

    static final int DIGEST_LENGTH = 20;
    static final int SALT_LENGTH = 32;
    static final int UUID_LENGTH = 40;
    static final byte[] MAGIC = {'L', 'U', 'K', 'S', (byte) 0xBA, (byte) 0xBE};
    static final int SLOTS_AT = 208;
    static final int SLOT_SIZE = 48;

    private final String imageName;
    private final String cipherName;
    private final String cipherMode;
    private final LuksHash hash;
    private final XtsCipher.IvMode ivMode;
    private final long payloadOffsetSectors;
    private final int keyBytes;
    private final byte[] mkDigest;
    private final byte[] mkDigestSalt;
    private final int mkDigestIterations;
    private final String uuid;
    private final List<LuksKeySlot> slots;
    private final int headerLength;

    LuksHeader(String imageName, String cipherName, String cipherMode, LuksHash hash, XtsCipher.IvMode ivMode,
               long payloadOffsetSectors, int keyBytes, byte[] mkDigest, byte[] mkDigestSalt,
               int mkDigestIterations, String uuid, List<LuksKeySlot> slots, int headerLength) {
        this.imageName = imageName;
        this.cipherName = cipherName;
        this.cipherMode = cipherMode;
        this.hash = hash;
        this.ivMode = ivMode;
        this.payloadOffsetSectors = payloadOffsetSectors;
        this.keyBytes = keyBytes;
        this.mkDigest = mkDigest.clone();
        this.mkDigestSalt = mkDigestSalt.clone();
        this.mkDigestIterations = mkDigestIterations;
        this.uuid = uuid;
        this.slots = List.copyOf(slots);
        this.headerLength = headerLength;
    }

    /** A new header and the cipher for its fresh random master key. */
    public record Created(LuksHeader header, SectorCipher cipher) {
    }

    /**
     * Creates a header with one active key slot (slot 0) for {@code passphrase}, laid out as
     * QEMU does: key material from sector 8, each slot's area rounded up to 8 sectors, payload
     * right after the eighth area (4040 sectors = 2068480 bytes for 512-bit keys).
     */
    public static Created create(String imageName, String passphrase, LuksCreateOptions options) {
        return LuksHeaderFactory.create(imageName, passphrase, options);
    }

    /**
     * Tries every active key slot with the passphrase (UTF-8 bytes, as QEMU's secret data).
     *
     * @return the cipher for the payload with the master key
     * @throws WrongPassphraseException if no active slot accepts it
     */
    public SectorCipher unlock(String passphrase) throws WrongPassphraseException {
        return KeySlotUnlocker.unlock(this, passphrase);
    }

    /**
     * Reads and validates a header region embedded in a qcow2 file (offset and length from
     * the full disk encryption header pointer extension, 0x0537be77). The length is checked
     * against {@link #MAX_HEADER_LENGTH} and the file size before anything is allocated.
     */
    public static LuksHeader readEmbedded(String imageName, FileChannel file, long offset, long length)
            throws IOException {
        return LuksHeaderParser.readEmbedded(imageName, file, offset, length);
    }

    /** Reads and validates the header at the start of a standalone LUKS file. */
    public static LuksHeader readStandalone(String imageName, FileChannel file) throws IOException {
        return LuksHeaderParser.readStandalone(imageName, file);
    }

    /** Parses and validates a header region; key material is copied out of it. */
    public static LuksHeader parse(String imageName, byte[] region) throws CorruptImageException {
        return LuksHeaderParser.parse(imageName, region);
    }

    /** The region as it belongs on disk: {@link #headerLength()} bytes. */
    public byte[] toBytes() {
        byte[] out = new byte[headerLength];
        ByteBuffer b = ByteBuffer.wrap(out);
        b.put(MAGIC).putShort((short) 1);
        putString(b, 8, cipherName, 32);
        putString(b, 40, cipherMode, 32);
        putString(b, 72, hash.spec(), 32);
        b.putInt(104, (int) payloadOffsetSectors);
        b.putInt(108, keyBytes);
        b.put(112, mkDigest);
        b.put(132, mkDigestSalt);
        b.putInt(164, mkDigestIterations);
        putString(b, 168, uuid, UUID_LENGTH);
        for (LuksKeySlot s : slots) {
            int at = SLOTS_AT + s.index() * SLOT_SIZE;
            b.putInt(at, s.active() ? LuksKeySlot.ACTIVE : LuksKeySlot.DISABLED);
            b.putInt(at + 4, s.iterations());
            b.put(at + 8, s.salt());
            b.putInt(at + 40, (int) s.keyMaterialSector());
            b.putInt(at + 44, s.stripes());
            if (s.active()) {
                b.put((int) s.keyMaterialOffset(), s.keyMaterial());
            }
        }
        return out;
    }

    private static void putString(ByteBuffer b, int at, String s, int len) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        b.put(at, bytes, 0, Math.min(bytes.length, len));
    }

    public String imageName() {
        return imageName;
    }

    public String cipherName() {
        return cipherName;
    }

    /** As written in the header, e.g. {@code xts-plain64}. */
    public String cipherMode() {
        return cipherMode;
    }

    public XtsCipher.IvMode ivMode() {
        return ivMode;
    }

    public LuksHash hash() {
        return hash;
    }

    /** Master key length: 32 (AES-128-XTS) or 64 (AES-256-XTS). */
    public int keyBytes() {
        return keyBytes;
    }

    /** Where a standalone LUKS file's payload starts; unused inside qcow2. */
    public long payloadOffset() {
        return payloadOffsetSectors * SectorCipher.SECTOR_SIZE;
    }

    /** Length of the region: what was parsed, or for a created header the payload offset. */
    public int headerLength() {
        return headerLength;
    }

    public String uuid() {
        return uuid;
    }

    public List<LuksKeySlot> keySlots() {
        return slots;
    }

    int mkDigestIterations() {
        return mkDigestIterations;
    }

    byte[] mkDigest() {
        return mkDigest.clone();
    }

    byte[] mkDigestSalt() {
        return mkDigestSalt.clone();
    }
}
