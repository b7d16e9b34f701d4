package vmm.core.loader;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import vmm.core.memory.GuestMemory;
import vmm.core.memory.GuestMemoryException;
import vmm.core.memory.MemoryRegion;

/**
 * Guest RAM on the Java heap for tests, bounds-checked like the real one (an access outside
 * one RAM region throws {@link GuestMemoryException}). Backed by 1 MiB chunks allocated on
 * first write, so a "7 GiB guest" with a PCI hole costs only what the loader writes; unwritten
 * RAM reads as zero, as fresh anonymous memory does.
 */
final class HeapGuestMemory implements GuestMemory {

    private static final int CHUNK_SHIFT = 20;
    private static final int CHUNK = 1 << CHUNK_SHIFT;

    private final List<MemoryRegion> regions;
    private final ConcurrentHashMap<Long, byte[]> chunks = new ConcurrentHashMap<>();

    HeapGuestMemory(List<MemoryRegion> regions) {
        this.regions = List.copyOf(regions);
    }

    static HeapGuestMemory ofSize(long bytes) {
        return new HeapGuestMemory(List.of(new MemoryRegion(0, bytes)));
    }

    @Override
    public List<MemoryRegion> regions() {
        return regions;
    }

    @Override
    public long size() {
        return regions.stream().mapToLong(MemoryRegion::size).sum();
    }

    private void check(long gpa, long length) {
        if (regions.stream().noneMatch(r -> r.contains(gpa, length))) {
            throw new GuestMemoryException("guest access 0x" + Long.toHexString(gpa) + "+" + length + " is outside RAM");
        }
    }

    @Override
    public void read(long gpa, ByteBuffer dst) {
        check(gpa, dst.remaining());
        long at = gpa;
        while (dst.hasRemaining()) {
            int offset = (int) (at & (CHUNK - 1));
            int n = Math.min(dst.remaining(), CHUNK - offset);
            byte[] chunk = chunks.get(at >>> CHUNK_SHIFT);
            if (chunk == null) {
                for (int i = 0; i < n; i++) {
                    dst.put((byte) 0);
                }
            } else {
                dst.put(chunk, offset, n);
            }
            at += n;
        }
    }

    @Override
    public void write(long gpa, ByteBuffer src) {
        check(gpa, src.remaining());
        long at = gpa;
        while (src.hasRemaining()) {
            int offset = (int) (at & (CHUNK - 1));
            int n = Math.min(src.remaining(), CHUNK - offset);
            byte[] chunk = chunks.computeIfAbsent(at >>> CHUNK_SHIFT, k -> new byte[CHUNK]);
            src.get(chunk, offset, n);
            at += n;
        }
    }

    /** Reads {@code length} bytes (test convenience). */
    byte[] bytes(long gpa, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        read(gpa, b);
        return b.array();
    }

    private ByteBuffer readLe(long gpa, int length) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        read(gpa, b);
        return b.flip();
    }

    private void writeLe(long gpa, ByteBuffer b) {
        write(gpa, b.flip());
    }

    @Override
    public byte readByte(long gpa) {
        return readLe(gpa, 1).get(0);
    }

    @Override
    public short readShort(long gpa) {
        return readLe(gpa, 2).getShort(0);
    }

    @Override
    public int readInt(long gpa) {
        return readLe(gpa, 4).getInt(0);
    }

    @Override
    public long readLong(long gpa) {
        return readLe(gpa, 8).getLong(0);
    }

    @Override
    public void writeByte(long gpa, byte value) {
        writeLe(gpa, ByteBuffer.allocate(1).put(value));
    }

    @Override
    public void writeShort(long gpa, short value) {
        writeLe(gpa, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(value));
    }

    @Override
    public void writeInt(long gpa, int value) {
        writeLe(gpa, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value));
    }

    @Override
    public void writeLong(long gpa, long value) {
        writeLe(gpa, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value));
    }

    /** Only inside one chunk: the loaders never use slices, this exists for the interface. */
    @Override
    public MemorySegment slice(long gpa, long length) {
        check(gpa, length);
        long offset = gpa & (CHUNK - 1);
        if (offset + length > CHUNK) {
            throw new UnsupportedOperationException("test memory slices cannot cross a 1 MiB chunk");
        }
        byte[] chunk = chunks.computeIfAbsent(gpa >>> CHUNK_SHIFT, k -> new byte[CHUNK]);
        return MemorySegment.ofArray(chunk).asSlice(offset, length);
    }
}
