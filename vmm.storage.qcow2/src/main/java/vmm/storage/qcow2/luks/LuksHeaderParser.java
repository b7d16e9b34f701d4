package vmm.storage.qcow2.luks;

import static vmm.storage.qcow2.luks.LuksHeader.DIGEST_LENGTH;
import static vmm.storage.qcow2.luks.LuksHeader.KEY_SLOTS;
import static vmm.storage.qcow2.luks.LuksHeader.MAGIC;
import static vmm.storage.qcow2.luks.LuksHeader.MAX_HEADER_LENGTH;
import static vmm.storage.qcow2.luks.LuksHeader.MAX_ITERATIONS;
import static vmm.storage.qcow2.luks.LuksHeader.MAX_STRIPES;
import static vmm.storage.qcow2.luks.LuksHeader.PHDR_SIZE;
import static vmm.storage.qcow2.luks.LuksHeader.SALT_LENGTH;
import static vmm.storage.qcow2.luks.LuksHeader.SLOTS_AT;
import static vmm.storage.qcow2.luks.LuksHeader.SLOT_SIZE;
import static vmm.storage.qcow2.luks.LuksHeader.UUID_LENGTH;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import vmm.core.block.CorruptImageException;

/**
 * Reads and validates LUKS1 header regions. Every size, count and offset is checked before it
 * is used to allocate, index or loop, so hostile headers end in a {@link CorruptImageException}
 * naming the image and the problem rather than in an overflow, a huge allocation or a hang.
 */
final class LuksHeaderParser {

    private LuksHeaderParser() {
    }

    static LuksHeader readEmbedded(String imageName, FileChannel file, long offset, long length)
            throws IOException {
        long fileSize = file.size();
        if (offset < 0 || length < PHDR_SIZE || length > MAX_HEADER_LENGTH) {
            throw corrupt(imageName, "encryption header at " + offset + " has length " + length
                    + ", outside " + PHDR_SIZE + ".." + MAX_HEADER_LENGTH);
        }
        if (offset > fileSize - length) {
            throw corrupt(imageName, "encryption header [" + offset + ", " + (offset + length)
                    + ") extends past the end of the " + fileSize + "-byte file");
        }
        return parse(imageName, readFully(file, offset, (int) length));
    }

    static LuksHeader readStandalone(String imageName, FileChannel file) throws IOException {
        long fileSize = file.size();
        if (fileSize < PHDR_SIZE) {
            throw corrupt(imageName, "file of " + fileSize + " bytes is too short for a LUKS header");
        }
        ByteBuffer phdr = ByteBuffer.wrap(readFully(file, 0, PHDR_SIZE));
        long payloadBytes = Integer.toUnsignedLong(phdr.getInt(104)) * SectorCipher.SECTOR_SIZE;
        // Key material lies before the payload; reading up to it (within bounds) is enough and
        // parse() reports slots that point further.
        long length = Math.max(PHDR_SIZE, Math.min(Math.min(payloadBytes, fileSize), MAX_HEADER_LENGTH));
        return parse(imageName, readFully(file, 0, (int) length));
    }

    static LuksHeader parse(String imageName, byte[] region) throws CorruptImageException {
        if (region.length < PHDR_SIZE) {
            throw corrupt(imageName, "header is " + region.length + " bytes, shorter than the "
                    + PHDR_SIZE + "-byte LUKS1 header");
        }
        if (region.length > MAX_HEADER_LENGTH) {
            throw corrupt(imageName, "header of " + region.length + " bytes exceeds " + MAX_HEADER_LENGTH);
        }
        ByteBuffer b = ByteBuffer.wrap(region);
        if (!Arrays.equals(region, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw corrupt(imageName, "bad magic, not a LUKS header");
        }
        int version = Short.toUnsignedInt(b.getShort(6));
        if (version != 1) {
            throw corrupt(imageName, "unsupported LUKS version " + version + " (only LUKS1)");
        }
        String cipherName = string(imageName, region, 8, 32, "cipher name");
        String cipherMode = string(imageName, region, 40, 32, "cipher mode");
        String hashSpec = string(imageName, region, 72, 32, "hash spec");
        if (!cipherName.equals("aes")) {
            throw corrupt(imageName, "unsupported cipher '" + cipherName + "' (only aes)");
        }
        XtsCipher.IvMode ivMode = cipherMode.startsWith("xts-")
                ? XtsCipher.IvMode.fromSpec(cipherMode.substring(4)) : null;
        if (ivMode == null) {
            throw corrupt(imageName, "unsupported cipher mode '" + cipherMode + "' (only xts-plain64, xts-plain)");
        }
        LuksHash hash = LuksHash.fromSpec(hashSpec);
        if (hash == null) {
            throw corrupt(imageName, "unsupported hash '" + hashSpec + "' (only sha1, sha256, sha512)");
        }
        long payloadOffsetSectors = Integer.toUnsignedLong(b.getInt(104));
        int keyBytes = b.getInt(108);
        if (keyBytes != 32 && keyBytes != 64) {
            throw corrupt(imageName, "key bytes " + Integer.toUnsignedString(keyBytes)
                    + " invalid for aes-xts (32 or 64)");
        }
        byte[] mkDigest = Arrays.copyOfRange(region, 112, 112 + DIGEST_LENGTH);
        byte[] mkDigestSalt = Arrays.copyOfRange(region, 132, 132 + SALT_LENGTH);
        int mkDigestIterations = iterations(imageName, b.getInt(164), "master key digest");
        String uuid = string(imageName, region, 168, UUID_LENGTH, "uuid");
        long payloadOffset = payloadOffsetSectors * SectorCipher.SECTOR_SIZE;
        if (payloadOffset < PHDR_SIZE) {
            throw corrupt(imageName, "payload offset " + payloadOffset + " overlaps the LUKS header");
        }

        List<LuksKeySlot> slots = new ArrayList<>(KEY_SLOTS);
        for (int i = 0; i < KEY_SLOTS; i++) {
            slots.add(slot(imageName, region, b, i, keyBytes, payloadOffset));
        }
        checkNoOverlap(imageName, slots, keyBytes);
        return new LuksHeader(imageName, cipherName, cipherMode, hash, ivMode, payloadOffsetSectors, keyBytes,
                mkDigest, mkDigestSalt, mkDigestIterations, uuid, slots, region.length);
    }

    private static LuksKeySlot slot(String imageName, byte[] region, ByteBuffer b, int i, int keyBytes,
                                    long payloadOffset) throws CorruptImageException {
        int at = SLOTS_AT + i * SLOT_SIZE;
        int state = b.getInt(at);
        int rawIterations = b.getInt(at + 4);
        byte[] salt = Arrays.copyOfRange(region, at + 8, at + 8 + SALT_LENGTH);
        long sector = Integer.toUnsignedLong(b.getInt(at + 40));
        int stripes = b.getInt(at + 44);
        if (state == LuksKeySlot.DISABLED) {
            return new LuksKeySlot(i, false, rawIterations, salt, sector, stripes, null);
        }
        if (state != LuksKeySlot.ACTIVE) {
            throw corrupt(imageName, "key slot " + i + " has invalid state 0x" + Integer.toHexString(state));
        }
        int iterations = iterations(imageName, rawIterations, "key slot " + i);
        if (stripes < 1 || stripes > MAX_STRIPES) {
            throw corrupt(imageName, "key slot " + i + " has " + Integer.toUnsignedString(stripes)
                    + " stripes, outside 1.." + MAX_STRIPES);
        }
        long start = sector * SectorCipher.SECTOR_SIZE;
        long end = start + LuksKeySlot.materialLength(keyBytes, stripes);
        if (start < PHDR_SIZE) {
            throw corrupt(imageName, "key slot " + i + " material at " + start + " overlaps the LUKS header");
        }
        if (end > region.length) {
            throw corrupt(imageName, "key slot " + i + " material [" + start + ", " + end
                    + ") extends past the " + region.length + "-byte header");
        }
        if (end > payloadOffset) {
            throw corrupt(imageName, "key slot " + i + " material [" + start + ", " + end
                    + ") overlaps the payload at " + payloadOffset);
        }
        return new LuksKeySlot(i, true, iterations, salt, sector, stripes,
                Arrays.copyOfRange(region, (int) start, (int) end));
    }

    private static void checkNoOverlap(String imageName, List<LuksKeySlot> slots, int keyBytes)
            throws CorruptImageException {
        for (LuksKeySlot a : slots) {
            for (LuksKeySlot c : slots) {
                if (a.index() < c.index() && a.active() && c.active()) {
                    long aEnd = a.keyMaterialOffset() + LuksKeySlot.materialLength(keyBytes, a.stripes());
                    long cEnd = c.keyMaterialOffset() + LuksKeySlot.materialLength(keyBytes, c.stripes());
                    if (a.keyMaterialOffset() < cEnd && c.keyMaterialOffset() < aEnd) {
                        throw corrupt(imageName, "key slots " + a.index() + " and " + c.index()
                                + " have overlapping key material");
                    }
                }
            }
        }
    }

    private static int iterations(String imageName, int raw, String what) throws CorruptImageException {
        if (raw < 1 || raw > MAX_ITERATIONS) {
            throw corrupt(imageName, what + " has " + Integer.toUnsignedString(raw)
                    + " PBKDF2 iterations, outside 1.." + MAX_ITERATIONS);
        }
        return raw;
    }

    private static String string(String imageName, byte[] region, int at, int len, String what)
            throws CorruptImageException {
        int end = at;
        while (end < at + len && region[end] != 0) {
            byte c = region[end];
            if (c < 0x20 || c > 0x7e) {
                throw corrupt(imageName, what + " contains non-printable byte 0x"
                        + Integer.toHexString(c & 0xff));
            }
            end++;
        }
        return new String(region, at, end - at, StandardCharsets.US_ASCII);
    }

    private static byte[] readFully(FileChannel file, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (file.read(buf, offset + buf.position()) < 0) {
                throw new IOException("unexpected end of file at " + (offset + buf.position()));
            }
        }
        return buf.array();
    }

    private static CorruptImageException corrupt(String imageName, String problem) {
        return new CorruptImageException(imageName + ": LUKS header: " + problem);
    }
}
