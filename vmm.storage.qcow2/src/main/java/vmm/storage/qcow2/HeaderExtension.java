package vmm.storage.qcow2;

/**
 * One header extension as stored after the fixed header. Unknown extensions are kept as
 * bytes so that rewriting the header preserves them, as the spec requires.
 */
public record HeaderExtension(int type, byte[] data) {

    public static final int BACKING_FORMAT = 0xe2792aca;
    public static final int FEATURE_NAME_TABLE = 0x6803f857;
    public static final int BITMAPS = 0x23852875;
    public static final int FULL_DISK_ENCRYPTION = 0x0537be77;
    public static final int EXTERNAL_DATA_FILE = 0x44415441;

    /** Bytes the extension occupies on disk: type, length, data padded to 8. */
    public int storedLength() {
        return 8 + ((data.length + 7) & ~7);
    }
}
