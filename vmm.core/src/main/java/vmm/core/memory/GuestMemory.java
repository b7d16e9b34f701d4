package vmm.core.memory;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A guest's RAM as devices and loaders see it: guest-physical addresses mapped onto host
 * memory, with holes (the PCI hole below 4 GiB). Every access is bounds-checked: an address
 * outside RAM throws {@link GuestMemoryException} and never touches host memory.
 * Implementations are safe for concurrent use (vCPUs and device threads share RAM).
 */
public interface GuestMemory extends AutoCloseable {

    /**
     * Allocates anonymous guest RAM of {@code ramSize} bytes laid out as on a PC: RAM from 0 up to
     * the 32-bit PCI hole (0xC000_0000), the rest from 4 GiB.
     */
    static GuestMemory allocate(long ramSize) {
        return vmm.core.internal.memory.MmapGuestMemory.allocate(ramSize);
    }

    /** Releases the RAM; later accesses fail. Memory that owns nothing does nothing. */
    @Override
    default void close() {
    }


    /** The RAM regions, sorted by guest address, not overlapping. */
    List<MemoryRegion> regions();

    /** Total RAM in bytes (the sum of the regions). */
    long size();

    /** Copies {@code dst.remaining()} bytes from guest address {@code gpa}. */
    void read(long gpa, ByteBuffer dst);

    /** Copies {@code src.remaining()} bytes to guest address {@code gpa}. */
    void write(long gpa, ByteBuffer src);

    byte readByte(long gpa);

    short readShort(long gpa);

    int readInt(long gpa);

    long readLong(long gpa);

    void writeByte(long gpa, byte value);

    void writeShort(long gpa, short value);

    void writeInt(long gpa, int value);

    void writeLong(long gpa, long value);

    /**
     * A view of {@code length} bytes at {@code gpa} for zero-copy device access (virtqueue
     * buffers); the whole range must lie inside one region. Little-endian like the guest.
     */
    MemorySegment slice(long gpa, long length);
}
