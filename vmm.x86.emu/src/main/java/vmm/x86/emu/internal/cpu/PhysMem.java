package vmm.x86.emu.internal.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import vmm.core.bus.Bus;
import vmm.core.memory.GuestMemory;
import vmm.core.memory.MemoryRegion;

/**
 * Guest-physical memory as the vCPUs of one VM share it: the RAM regions as memory segments
 * (the fast path reads them directly), the MMIO bus for the rest, and the code-page tracking
 * that keeps decoded blocks honest when guest code is written.
 *
 * <p>Code tracking: a bit per 4 KiB page says "decoded code lives here"; a write to such a page
 * bumps the page's generation (blocks remember the generation they were decoded at) and clears
 * the bit. Writes reach that check because no vCPU keeps a fast write mapping of a code page:
 * marking a new code page bumps {@link #codeEpoch}, and every vCPU drops its write TLB when it
 * sees a new epoch at its next block boundary.
 */
public final class PhysMem {
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LONG_ATOMIC = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    static final VarHandle INT_ATOMIC = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    public final GuestMemory memory;
    public final Bus mmio;
    final long[] starts;
    final long[] ends;
    final MemorySegment[] segments;
    /** Each region's host address, or -1 when it is not native memory (then no raw TLB mapping). */
    final long[] hostBase;
    private final long[] codeBits;
    private final int[] pageGen;
    private final long pages;
    public final AtomicInteger codeEpoch = new AtomicInteger();
    /** Serializes LOCKed operations that straddle an 8-byte boundary. */
    public final ReentrantLock splitLock = new ReentrantLock();

    public PhysMem(GuestMemory memory, Bus mmio) {
        this.memory = memory;
        this.mmio = mmio;
        List<MemoryRegion> regions = memory.regions();
        int n = regions.size();
        starts = new long[n];
        ends = new long[n];
        segments = new MemorySegment[n];
        hostBase = new long[n];
        long top = 0;
        for (int i = 0; i < n; i++) {
            MemoryRegion r = regions.get(i);
            starts[i] = r.guestAddress();
            ends[i] = r.end();
            segments[i] = memory.slice(r.guestAddress(), r.size());
            hostBase[i] = segments[i].isNative() ? segments[i].address() : -1;
            top = Math.max(top, r.end());
        }
        pages = (top + 4095) >>> 12;
        codeBits = new long[(int) ((pages + 63) >>> 6)];
        pageGen = new int[(int) pages];
    }

    /** The region holding [pa, pa+size), or -1 when it is not all RAM. */
    public int region(long pa, int size) {
        for (int i = 0; i < starts.length; i++) {
            if (pa >= starts[i] && pa + size <= ends[i]) {
                return i;
            }
        }
        return -1;
    }

    public MemorySegment segment(int region) {
        return segments[region];
    }

    public long offset(int region, long pa) {
        return pa - starts[region];
    }

    public boolean isCodePage(long pa) {
        long page = pa >>> 12;
        return page < pages && (codeBits[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    /** Marks the page of {@code pa} as holding decoded code; returns its generation. */
    public int markCode(long pa) {
        long page = pa >>> 12;
        if (page >= pages) {
            return 0;
        }
        int w = (int) (page >>> 6);
        if ((codeBits[w] & (1L << page)) == 0) {
            synchronized (codeBits) {
                codeBits[w] |= 1L << page;
            }
            codeEpoch.incrementAndGet();
        }
        return pageGen[(int) page];
    }

    public int generation(long pa) {
        long page = pa >>> 12;
        return page < pages ? pageGen[(int) page] : 0;
    }

    /** A write touched the page of {@code pa}: blocks decoded from it are stale. */
    public void invalidatePage(long pa) {
        long page = pa >>> 12;
        if (page >= pages) {
            return;
        }
        synchronized (codeBits) {
            pageGen[(int) page]++;
            codeBits[(int) (page >>> 6)] &= ~(1L << page);
        }
    }

    /** Someone other than a vCPU wrote [gpa, gpa+length). */
    public void invalidateRange(long gpa, long length) {
        if (length <= 0) {
            return;
        }
        for (long p = gpa & ~0xfffL; p < gpa + length && p >= 0; p += 4096) {
            if (isCodePage(p)) {
                invalidatePage(p);
            }
        }
    }

    /**
     * All of the host's address space as one segment, for the TLB's raw accesses. A TLB entry
     * holds a host address only for a guest page that lies wholly in a RAM region (checked when
     * the entry is filled) and an access reaches it only when it stays inside that page, so the
     * bounds are checked per page rather than per access, as in QEMU's TLB. A constant segment
     * lets HotSpot drop the per-access segment checks that showed in profiles of a Linux boot.
     */
    // Restricted (reinterpret); the VMM runs with --enable-native-access.
    @SuppressWarnings("restricted")
    private static final MemorySegment HOST = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** Reads 1, 2, 4 or 8 bytes at a host address a TLB entry vouches for. */
    static long getRaw(long address, int size) {
        return switch (size) {
            case 1 -> HOST.get(ValueLayout.JAVA_BYTE, address) & 0xff;
            case 2 -> HOST.get(SHORT, address) & 0xffff;
            case 4 -> HOST.get(INT, address) & 0xffffffffL;
            default -> HOST.get(LONG, address);
        };
    }

    static void putRaw(long address, int size, long v) {
        switch (size) {
            case 1 -> HOST.set(ValueLayout.JAVA_BYTE, address, (byte) v);
            case 2 -> HOST.set(SHORT, address, (short) v);
            case 4 -> HOST.set(INT, address, (int) v);
            default -> HOST.set(LONG, address, v);
        }
    }

    public static long get(MemorySegment s, long off, int size) {
        switch (size) {
            case 1:
                return s.get(ValueLayout.JAVA_BYTE, off) & 0xff;
            case 2:
                return s.get(SHORT, off) & 0xffff;
            case 4:
                return s.get(INT, off) & 0xffffffffL;
            case 8:
                return s.get(LONG, off);
            default:
                // 3, 5, 6 or 7 bytes: the part of an access that crosses a page. A wider access
                // would read another frame than the guest's page tables name.
                long v = 0;
                for (int k = size - 1; k >= 0; k--) {
                    v = (v << 8) | (s.get(ValueLayout.JAVA_BYTE, off + k) & 0xff);
                }
                return v;
        }
    }

    public static void put(MemorySegment s, long off, int size, long v) {
        switch (size) {
            case 1 -> s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
            case 2 -> s.set(SHORT, off, (short) v);
            case 4 -> s.set(INT, off, (int) v);
            case 8 -> s.set(LONG, off, v);
            default -> {
                // Part of a page-crossing access: only these bytes, never into the next frame.
                for (int k = 0; k < size; k++) {
                    s.set(ValueLayout.JAVA_BYTE, off + k, (byte) (v >>> (8 * k)));
                }
            }
        }
    }

    /** Atomically sets {@code bits} in the aligned 4- or 8-byte page-table entry at {@code pa} (RAM only). */
    public void orEntry(long pa, int size, long bits) {
        int reg = region(pa, size);
        if (reg < 0) {
            return;
        }
        MemorySegment s = segments[reg];
        long off = pa - starts[reg];
        if (size == 8) {
            long old;
            do {
                old = (long) LONG_ATOMIC.getVolatile(s, off);
                if ((old & bits) == bits) {
                    return;
                }
            } while (!LONG_ATOMIC.compareAndSet(s, off, old, old | bits));
        } else {
            int old;
            do {
                old = (int) INT_ATOMIC.getVolatile(s, off);
                if ((old & bits) == bits) {
                    return;
                }
            } while (!INT_ATOMIC.compareAndSet(s, off, old, old | (int) bits));
        }
    }

    /** CAS on the aligned long containing [off, off+size) of a RAM segment. */
    public static boolean cas(MemorySegment s, long off, int size, long expected, long update) {
        if (size == 8 && (off & 7) == 0) {
            return LONG_ATOMIC.compareAndSet(s, off, expected, update);
        }
        long base = off & ~7L;
        int shift = (int) (off - base) * 8;
        long m = Flags.mask(size) << shift;
        long old = (long) LONG_ATOMIC.getVolatile(s, base);
        if (((old & m) >>> shift) != (expected & Flags.mask(size))) {
            return false;
        }
        long nv = (old & ~m) | ((update << shift) & m);
        return LONG_ATOMIC.compareAndSet(s, base, old, nv);
    }
}
