package vmm.core.internal.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.memory.GuestMemory;
import vmm.core.memory.GuestMemoryException;
import vmm.core.memory.MemoryRegion;

/**
 * Guest RAM in one anonymous host mapping, the regions of a {@link GuestMemoryMap} laid out
 * one after the other in it. Pages are only backed when touched (MAP_NORESERVE), so a guest
 * with 16 GiB that uses 300 MiB costs 300 MiB.
 *
 * <p>Every access is checked against the regions first: an address outside RAM, a range
 * running past a region's end (into the PCI hole, say), a negative address or a range that
 * overflows throws {@link GuestMemoryException} naming the address and length, and nothing
 * is copied. After {@link #close()} every access fails with IllegalStateException (the
 * segments belong to a shared arena closed before the munmap), never touching freed memory.
 */
// Wrapping the mmap'd address in segments is this class's purpose; the JVM runs with --enable-native-access.
@SuppressWarnings("restricted")
public final class MmapGuestMemory implements GuestMemory, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MmapGuestMemory.class);
    private static final long HUGE_PAGE = 2L << 20;

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GuestMemoryMap map;
    private final List<MemoryRegion> regions;
    private final long[] starts;
    private final long[] ends;
    private final MemorySegment[] segments;
    private final Arena arena;
    private final long hostAddress;
    private final long hostLength;
    private boolean closed;

    private MmapGuestMemory(GuestMemoryMap map, long hostAddress, long hostLength) {
        this.map = map;
        this.regions = map.ram();
        this.hostAddress = hostAddress;
        this.hostLength = hostLength;
        this.arena = Arena.ofShared();
        MemorySegment all = MemorySegment.ofAddress(hostAddress).reinterpret(hostLength, arena, null);
        int n = regions.size();
        starts = new long[n];
        ends = new long[n];
        segments = new MemorySegment[n];
        long offset = 0;
        for (int i = 0; i < n; i++) {
            MemoryRegion r = regions.get(i);
            starts[i] = r.guestAddress();
            ends[i] = r.end();
            segments[i] = all.asSlice(offset, r.size());
            offset += r.size();
        }
    }

    /** {@code ramSize} bytes around the default PCI hole, no advice, no NUMA binding. */
    public static MmapGuestMemory allocate(long ramSize) {
        return allocate(GuestMemoryMap.plan(ramSize), MemoryOptions.DEFAULT, NumaTopology.host());
    }

    /**
     * Maps RAM for {@code map} with {@code options}.
     *
     * @param numa the host's nodes, to decide whether a requested binding is needed
     * @throws HostCallException        when mmap, madvise or mbind fails (named, with errno)
     * @throws IllegalArgumentException when the requested NUMA node is not on this host
     */
    public static MmapGuestMemory allocate(GuestMemoryMap map, MemoryOptions options, NumaTopology numa) {
        long size = map.size();
        MemorySegment mapping = options.hugePages() ? mapHugeAligned(size) : HostMemoryCalls.mmapAnonymous(size);
        try {
            advise(mapping, options, numa);
        } catch (RuntimeException e) {
            HostMemoryCalls.munmap(mapping.address(), size);
            throw e;
        }
        LOG.debug("guest RAM {} at host 0x{}: {}", ByteSizes.format(size), Long.toHexString(mapping.address()),
                describe(map.ram()));
        return new MmapGuestMemory(map, mapping.address(), size);
    }

    /**
     * Transparent huge pages only back 2 MiB-aligned ranges: map 2 MiB more than needed and
     * trim the unaligned head and tail.
     */
    private static MemorySegment mapHugeAligned(long size) {
        long padded = size + HUGE_PAGE;
        if (padded < 0) {
            throw new IllegalArgumentException("RAM size too large: " + size);
        }
        MemorySegment raw = HostMemoryCalls.mmapAnonymous(padded);
        long start = raw.address();
        long aligned = (start + HUGE_PAGE - 1) & -HUGE_PAGE;
        if (aligned > start) {
            HostMemoryCalls.munmap(start, aligned - start);
        }
        long tail = start + padded - (aligned + size);
        if (tail > 0) {
            HostMemoryCalls.munmap(aligned + size, tail);
        }
        return MemorySegment.ofAddress(aligned).reinterpret(size);
    }

    private static void advise(MemorySegment mapping, MemoryOptions options, NumaTopology numa) {
        // A forked helper (qemu-img, a network script) must not get a copy-on-write view of guest RAM.
        HostMemoryCalls.madvise(mapping, HostMemoryCalls.MADV_DONTFORK, "MADV_DONTFORK");
        if (options.hugePages()) {
            HostMemoryCalls.madvise(mapping, HostMemoryCalls.MADV_HUGEPAGE, "MADV_HUGEPAGE");
        }
        if (options.mergeable()) {
            HostMemoryCalls.madvise(mapping, HostMemoryCalls.MADV_MERGEABLE, "MADV_MERGEABLE");
        }
        if (options.numaNode().isPresent()) {
            int node = options.numaNode().getAsInt();
            if (!numa.hasNode(node)) {
                throw new IllegalArgumentException("NUMA node " + node + " is not online on this host (nodes "
                        + numa.nodes() + ")");
            }
            if (numa.nodeCount() == 1) {
                LOG.info("NUMA binding to node {} not needed: the host has a single node", node);
            } else {
                HostMemoryCalls.bindToNode(mapping, node);
                LOG.debug("guest RAM bound to host NUMA node {}", node);
            }
        }
    }

    public GuestMemoryMap map() {
        return map;
    }

    @Override
    public List<MemoryRegion> regions() {
        return regions;
    }

    @Override
    public long size() {
        return hostLength;
    }

    /** The host address backing {@code gpa}, for KVM memory slots. */
    public long hostAddress(long gpa) {
        return slice(gpa, 1).address();
    }

    @Override
    public void read(long gpa, ByteBuffer dst) {
        int length = dst.remaining();
        check(gpa, length);
        MemorySegment target = MemorySegment.ofBuffer(dst);
        copy(gpa, target, length, true);
        dst.position(dst.position() + length);
    }

    @Override
    public void write(long gpa, ByteBuffer src) {
        int length = src.remaining();
        check(gpa, length);
        MemorySegment source = MemorySegment.ofBuffer(src);
        copy(gpa, source, length, false);
        src.position(src.position() + length);
    }

    /** Copies piece by piece over regions that touch; {@link #check} has vetted the whole range. */
    private void copy(long gpa, MemorySegment buffer, long length, boolean toBuffer) {
        long done = 0;
        while (done < length) {
            long at = gpa + done;
            int i = regionOf(at);
            long chunk = Math.min(length - done, ends[i] - at);
            MemorySegment ram = segments[i].asSlice(at - starts[i], chunk);
            if (toBuffer) {
                MemorySegment.copy(ram, 0, buffer, done, chunk);
            } else {
                MemorySegment.copy(buffer, done, ram, 0, chunk);
            }
            done += chunk;
        }
    }

    @Override
    public byte readByte(long gpa) {
        return segment(gpa, 1).get(ValueLayout.JAVA_BYTE, offset(gpa));
    }

    @Override
    public short readShort(long gpa) {
        return segment(gpa, 2).get(SHORT, offset(gpa));
    }

    @Override
    public int readInt(long gpa) {
        return segment(gpa, 4).get(INT, offset(gpa));
    }

    @Override
    public long readLong(long gpa) {
        return segment(gpa, 8).get(LONG, offset(gpa));
    }

    @Override
    public void writeByte(long gpa, byte value) {
        segment(gpa, 1).set(ValueLayout.JAVA_BYTE, offset(gpa), value);
    }

    @Override
    public void writeShort(long gpa, short value) {
        segment(gpa, 2).set(SHORT, offset(gpa), value);
    }

    @Override
    public void writeInt(long gpa, int value) {
        segment(gpa, 4).set(INT, offset(gpa), value);
    }

    @Override
    public void writeLong(long gpa, long value) {
        segment(gpa, 8).set(LONG, offset(gpa), value);
    }

    @Override
    public MemorySegment slice(long gpa, long length) {
        return segment(gpa, length).asSlice(offset(gpa), length);
    }

    /** The segment of the one region holding the whole range; throws otherwise. */
    private MemorySegment segment(long gpa, long length) {
        int i = validIndex(gpa, length);
        if (i < 0 || length > ends[i] - gpa) {
            throw outside(gpa, length);
        }
        return segments[i];
    }

    private long offset(long gpa) {
        return gpa - starts[regionOf(gpa)];
    }

    /** Vets a range that may span regions that touch; any byte outside RAM fails it. */
    private void check(long gpa, long length) {
        int i = validIndex(gpa, length);
        if (i < 0) {
            throw outside(gpa, length);
        }
        long end = gpa + length;
        while (end > ends[i]) {
            if (i + 1 == starts.length || starts[i + 1] != ends[i]) {
                throw outside(gpa, length);
            }
            i++;
        }
    }

    private int validIndex(long gpa, long length) {
        if (gpa < 0 || length < 0 || gpa + length < gpa) {
            return -1;
        }
        return regionOf(gpa);
    }

    /** The region holding {@code gpa}, or -1. Guests have one or two regions: a scan is fastest. */
    private int regionOf(long gpa) {
        for (int i = 0; i < starts.length; i++) {
            if (gpa >= starts[i] && gpa < ends[i]) {
                return i;
            }
        }
        return -1;
    }

    private GuestMemoryException outside(long gpa, long length) {
        return new GuestMemoryException(String.format("guest address 0x%x length %d is outside RAM (%s)",
                gpa, length, describe(regions)));
    }

    private static String describe(List<MemoryRegion> regions) {
        return regions.stream().map(r -> String.format("0x%x-0x%x", r.guestAddress(), r.end() - 1))
                .collect(Collectors.joining(", "));
    }

    /** Unmaps the RAM; accesses from now on fail with IllegalStateException. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Closing the shared arena first waits out accesses in flight and invalidates every
        // segment handed out, so nothing can touch the range once munmap gives it back.
        arena.close();
        HostMemoryCalls.munmap(hostAddress, hostLength);
    }

    @Override
    public String toString() {
        return "MmapGuestMemory[" + ByteSizes.format(hostLength) + ": " + describe(regions) + "]";
    }
}
