package vmm.storage.qcow2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import vmm.core.block.ImageInfo;

/**
 * One entry of the snapshot table. {@code extra} keeps the extra data as stored, so fields
 * this code does not know survive a rewrite; the known ones (vm_state_size_large, disk_size,
 * icount) are read from and written into it.
 */
record SnapshotEntry(long l1Offset, int l1Size, String id, String name, long dateSec, long dateNsec,
        long vmClockNsec, long vmStateSize, long diskSize, long icount, byte[] extra) {

    static final int FIXED = 40;
    static final int MAX_EXTRA = 1024;

    int storedLength() {
        int n = FIXED + extraBytes().length + utf8(id).length + utf8(name).length;
        return (n + 7) & ~7;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Extra data as QEMU writes it: 24 bytes, or more when the image already had more. */
    byte[] extraBytes() {
        ByteBuffer b = ByteBuffer.allocate(Math.max(24, extra == null ? 0 : extra.length));
        if (extra != null) {
            b.put(0, extra);
        }
        b.putLong(0, vmStateSize);
        b.putLong(8, diskSize);
        b.putLong(16, icount);
        return b.array();
    }

    void writeTo(ByteBuffer b) {
        int start = b.position();
        byte[] ex = extraBytes();
        byte[] idb = utf8(id);
        byte[] nb = utf8(name);
        b.putLong(l1Offset);
        b.putInt(l1Size);
        b.putShort((short) idb.length);
        b.putShort((short) nb.length);
        b.putInt((int) dateSec);
        b.putInt((int) dateNsec);
        b.putLong(vmClockNsec);
        b.putInt((int) Math.min(vmStateSize, 0xffffffffL));
        b.putInt(ex.length);
        b.put(ex);
        b.put(idb);
        b.put(nb);
        b.position(start + storedLength());
    }

    ImageInfo.SnapshotInfo info() {
        return new ImageInfo.SnapshotInfo(id, name, vmStateSize, dateSec, dateNsec, vmClockNsec, icount);
    }
}
