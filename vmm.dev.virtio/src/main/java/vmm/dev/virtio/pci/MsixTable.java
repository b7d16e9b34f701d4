package vmm.dev.virtio.pci;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import vmm.core.device.MsiSink;

/**
 * An MSI-X table and pending-bit array: the guest programs address/data/mask per vector; a
 * vector signalled while masked (or while the whole function is masked) is remembered in the
 * PBA and delivered when unmasked, as PCI requires.
 */
final class MsixTable {
    static final int ENTRY = 16;
    private final ByteBuffer table;
    private final long[] pending;
    private final int vectors;
    private final MsiSink sink;
    private boolean enabled;
    private boolean functionMasked;

    MsixTable(int vectors, MsiSink sink) {
        this.vectors = vectors;
        this.sink = sink;
        this.table = ByteBuffer.allocate(vectors * ENTRY).order(ByteOrder.LITTLE_ENDIAN);
        this.pending = new long[(vectors + 63) / 64];
        reset();
    }

    int vectors() {
        return vectors;
    }

    synchronized void reset() {
        for (int v = 0; v < vectors; v++) {
            table.putLong(v * ENTRY, 0);
            table.putInt(v * ENTRY + 8, 0);
            table.putInt(v * ENTRY + 12, 1);  // masked at reset
        }
        java.util.Arrays.fill(pending, 0);
        enabled = false;
        functionMasked = false;
    }

    synchronized boolean enabled() {
        return enabled;
    }

    /** The MSI-X capability's control bits changed. */
    synchronized void control(boolean enable, boolean mask) {
        enabled = enable;
        functionMasked = mask;
        deliverPending();
    }

    synchronized void readTable(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long o = offset + i;
            data[i] = o < table.capacity() ? table.get((int) o) : 0;
        }
    }

    synchronized void writeTable(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long o = offset + i;
            if (o < table.capacity()) {
                table.put((int) o, data[i]);
            }
        }
        deliverPending();
    }

    synchronized void readPba(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long o = offset + i;
            data[i] = o / 8 < pending.length ? (byte) (pending[(int) (o / 8)] >>> (8 * (o % 8))) : 0;
        }
    }

    /** Signals {@code vector}; false when there is no such vector (the caller then does nothing). */
    synchronized boolean signal(int vector) {
        if (vector < 0 || vector >= vectors) {
            return false;
        }
        if (!enabled || functionMasked || (table.getInt(vector * ENTRY + 12) & 1) != 0) {
            pending[vector / 64] |= 1L << (vector % 64);
            return true;
        }
        sink.signal(table.getLong(vector * ENTRY), table.getInt(vector * ENTRY + 8));
        return true;
    }

    /** The table, the pending bits and the control bits, for a saved machine. */
    synchronized byte[] save() {
        ByteBuffer b = ByteBuffer.allocate(table.capacity() + 8 * pending.length + 1).order(ByteOrder.LITTLE_ENDIAN);
        b.put(table.array(), 0, table.capacity());
        for (long p : pending) {
            b.putLong(p);
        }
        b.put((byte) ((enabled ? 1 : 0) | (functionMasked ? 2 : 0)));
        return b.array();
    }

    /**
     * Takes back what {@link #save()} wrote for a table of the same size; nothing is signalled
     * (pending vectors stay pending until the guest unmasks them, as before the save).
     *
     * @throws IllegalArgumentException when the size does not match
     */
    synchronized void restore(byte[] saved) {
        int expected = table.capacity() + 8 * pending.length + 1;
        if (saved.length != expected) {
            throw new IllegalArgumentException("MSI-X state of " + saved.length + " bytes, a table of " + vectors
                    + " vectors takes " + expected);
        }
        ByteBuffer b = ByteBuffer.wrap(saved).order(ByteOrder.LITTLE_ENDIAN);
        b.get(table.array(), 0, table.capacity());
        for (int i = 0; i < pending.length; i++) {
            pending[i] = b.getLong();
        }
        int flags = b.get();
        enabled = (flags & 1) != 0;
        functionMasked = (flags & 2) != 0;
    }

    private void deliverPending() {
        if (!enabled || functionMasked) {
            return;
        }
        for (int v = 0; v < vectors; v++) {
            if ((pending[v / 64] & (1L << (v % 64))) != 0 && (table.getInt(v * ENTRY + 12) & 1) == 0) {
                pending[v / 64] &= ~(1L << (v % 64));
                sink.signal(table.getLong(v * ENTRY), table.getInt(v * ENTRY + 8));
            }
        }
    }
}
