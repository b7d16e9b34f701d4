package vmm.dev.ide;

import java.io.IOException;
import java.nio.ByteBuffer;

import vmm.core.block.BlockImage;

/**
 * One ATA disk on a channel: its image and the settings the guest changes (multiple-sector
 * count, transfer mode). Sector I/O goes straight to the core's block API.
 */
final class AtaDrive implements AutoCloseable {
    static final int SECTOR = 512;

    private final BlockImage image;
    private final boolean readOnly;
    private final String serial;
    private final String model;
    volatile int multiple;
    volatile int transferMode;

    AtaDrive(BlockImage image, boolean readOnly, String serial, String model) {
        this.image = image;
        this.readOnly = readOnly || image.readOnly();
        this.serial = serial;
        this.model = model;
    }

    long sectors() {
        return image.size() / SECTOR;
    }

    boolean readOnly() {
        return readOnly;
    }

    byte[] identify() {
        return Identify.of(sectors(), serial, model, multiple, transferMode);
    }

    /** True when {@code count} sectors from {@code lba} lie on the disk. */
    boolean inRange(long lba, long count) {
        return lba >= 0 && count >= 0 && lba + count <= sectors();
    }

    void read(long lba, ByteBuffer dst) throws IOException {
        image.read(lba * SECTOR, dst);
    }

    void write(long lba, ByteBuffer src) throws IOException {
        image.write(lba * SECTOR, src);
    }

    void readBytes(long offset, ByteBuffer dst) throws IOException {
        image.read(offset, dst);
    }

    void writeBytes(long offset, ByteBuffer src) throws IOException {
        image.write(offset, src);
    }

    void flush() throws IOException {
        image.flush();
    }

    /** SET MULTIPLE MODE: 0 turns it off, else a power of two up to {@link Identify#MAX_MULTIPLE}. */
    boolean setMultiple(int n) {
        if (n != 0 && (n > Identify.MAX_MULTIPLE || Integer.bitCount(n) != 1)) {
            return false;
        }
        multiple = n;
        return true;
    }

    /** SET FEATURES: the transfer modes IDENTIFY offers, and cache switches (always on here). */
    boolean setFeatures(int feature, int value) {
        return switch (feature) {
            case Ata.SF_XFER_MODE -> {
                int kind = value & 0xF8;
                int n = value & 7;
                boolean ok = kind == 0x00 || kind == 0x08 && n <= 4 || kind == 0x20 && n <= 2 || kind == 0x40 && n <= 5;
                if (ok) {
                    transferMode = value;
                }
                yield ok;
            }
            case Ata.SF_WRITE_CACHE_ON, Ata.SF_WRITE_CACHE_OFF, Ata.SF_LOOKAHEAD_ON, Ata.SF_LOOKAHEAD_OFF -> true;
            default -> false;
        };
    }

    void powerOn() {
        multiple = 0;
        transferMode = 0;
    }

    @Override
    public void close() throws IOException {
        image.close();
    }
}
