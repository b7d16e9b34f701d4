package vmm.dev.virtio.vhost;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.memory.GuestMemory;
import vmm.core.memory.GuestMemoryException;
import vmm.core.memory.MemoryRegion;
import vmm.dev.virtio.sys.Libc;

/**
 * The frontend's guest RAM as SET_MEM_TABLE described it: each region's file descriptor
 * (received by SCM_RIGHTS) mapped shared into this process. Accesses are bounds-checked like
 * the core's guest memory: an address outside every region is a {@link GuestMemoryException},
 * never host memory. Ring addresses arrive as the frontend's own virtual addresses and are
 * translated through the regions' {@code userspace_addr}.
 */
// Wrapping the mmap'd regions in segments is this class's purpose.
@SuppressWarnings("restricted")
public final class VhostUserMemory implements GuestMemory {
    private static final Logger LOG = LoggerFactory.getLogger(VhostUserMemory.class);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One region: where the guest sees it, where the frontend maps it, where we map it. */
    record Region(long guestAddress, long size, long userAddress, long mapAddress, long mapLength, MemorySegment data) {
    }

    private final Region[] regions;
    private final Arena arena;

    private VhostUserMemory(Region[] regions, Arena arena) {
        this.regions = regions;
        this.arena = arena;
    }

    /** A region as described by SET_MEM_TABLE / ADD_MEM_REG, with its file descriptor. */
    public record RegionSpec(long guestAddress, long size, long userAddress, long mmapOffset, int fd) {
    }

    /**
     * Maps every region. The fds are closed here (the mappings keep the memory), whether the
     * mapping works or not.
     */
    public static VhostUserMemory map(List<RegionSpec> specs) throws IOException {
        Arena arena = Arena.ofShared();
        List<Region> done = new ArrayList<>();
        try {
            for (RegionSpec s : specs) {
                if (s.size() <= 0 || s.mmapOffset() < 0 || s.guestAddress() < 0 || s.guestAddress() + s.size() < 0
                        || s.mmapOffset() + s.size() < 0) {
                    throw new IOException("memory region with an invalid size or offset: " + s);
                }
                for (Region r : done) {
                    if (s.guestAddress() < r.guestAddress() + r.size() && r.guestAddress() < s.guestAddress() + s.size()) {
                        throw new IOException("memory regions overlap: " + s + " and guest 0x"
                                + Long.toHexString(r.guestAddress()));
                    }
                }
                long len = s.mmapOffset() + s.size();
                MemorySegment m = Libc.mmapShared(s.fd(), len, 0);
                MemorySegment data = MemorySegment.ofAddress(m.address() + s.mmapOffset()).reinterpret(s.size(), arena, null);
                done.add(new Region(s.guestAddress(), s.size(), s.userAddress(), m.address(), len, data));
            }
        } catch (IOException e) {
            arena.close();
            for (Region r : done) {
                unmap(r);
            }
            throw e;
        } finally {
            for (RegionSpec s : specs) {
                try {
                    Libc.close(s.fd());
                } catch (IOException e) {
                    LOG.warn("closing a memory region's fd: {}", e.getMessage());
                }
            }
        }
        done.sort((a, b) -> Long.compare(a.guestAddress(), b.guestAddress()));
        return new VhostUserMemory(done.toArray(Region[]::new), arena);
    }

    private static void unmap(Region r) {
        try {
            Libc.munmap(r.mapAddress(), r.mapLength());
        } catch (IOException e) {
            LOG.warn("unmapping guest memory: {}", e.getMessage());
        }
    }

    /** The guest address of the frontend's virtual address {@code va} (ring addresses). */
    public long guestAddressOf(long va) {
        for (Region r : regions) {
            if (Long.compareUnsigned(va, r.userAddress()) >= 0 && Long.compareUnsigned(va - r.userAddress(), r.size()) < 0) {
                return r.guestAddress() + (va - r.userAddress());
            }
        }
        throw new GuestMemoryException("frontend address 0x" + Long.toHexString(va) + " is in no memory region");
    }

    /**
     * Gives pages back to the host (the balloon): the regions are shared file mappings, so
     * MADV_REMOVE frees the backing file's pages (MADV_DONTNEED would only drop our view).
     */
    public void release(long gpa, long length) throws IOException {
        MemorySegment s = slice(gpa, length);
        Libc.madvise(s.address(), length, Libc.MADV_REMOVE, "MADV_REMOVE");
    }

    @Override
    public void close() {
        arena.close();
        for (Region r : regions) {
            unmap(r);
        }
    }

    @Override
    public List<MemoryRegion> regions() {
        List<MemoryRegion> out = new ArrayList<>();
        for (Region r : regions) {
            out.add(new MemoryRegion(r.guestAddress(), r.size()));
        }
        return out;
    }

    @Override
    public long size() {
        long n = 0;
        for (Region r : regions) {
            n += r.size();
        }
        return n;
    }

    @Override
    public MemorySegment slice(long gpa, long length) {
        if (length >= 0) {
            for (Region r : regions) {
                long off = gpa - r.guestAddress();
                if (gpa >= r.guestAddress() && off < r.size() && length <= r.size() - off) {
                    return r.data().asSlice(off, length);
                }
            }
        }
        throw new GuestMemoryException("guest address 0x" + Long.toHexString(gpa) + "+" + length + " is not RAM");
    }

    @Override
    public void read(long gpa, ByteBuffer dst) {
        int n = dst.remaining();
        dst.put(slice(gpa, n).asByteBuffer());
    }

    @Override
    public void write(long gpa, ByteBuffer src) {
        int n = src.remaining();
        slice(gpa, n).asByteBuffer().put(src);
    }

    @Override
    public byte readByte(long gpa) {
        return slice(gpa, 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    @Override
    public short readShort(long gpa) {
        return slice(gpa, 2).get(U16, 0);
    }

    @Override
    public int readInt(long gpa) {
        return slice(gpa, 4).get(U32, 0);
    }

    @Override
    public long readLong(long gpa) {
        return slice(gpa, 8).get(U64, 0);
    }

    @Override
    public void writeByte(long gpa, byte value) {
        slice(gpa, 1).set(ValueLayout.JAVA_BYTE, 0, value);
    }

    @Override
    public void writeShort(long gpa, short value) {
        slice(gpa, 2).set(U16, 0, value);
    }

    @Override
    public void writeInt(long gpa, int value) {
        slice(gpa, 4).set(U32, 0, value);
    }

    @Override
    public void writeLong(long gpa, long value) {
        slice(gpa, 8).set(U64, 0, value);
    }
}
