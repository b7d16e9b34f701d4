package vmm.dev.virtio.queue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import vmm.core.memory.GuestMemory;
import vmm.core.memory.GuestMemoryException;

/**
 * A packed virtqueue (virtio 1.2, 2.8) as the device side sees it: one ring of descriptors that
 * the driver marks available and the device overwrites with used descriptors, each side
 * keeping a wrap counter, plus two event suppression structures.
 *
 * <p>The device answers buffers in any order: a used descriptor goes to the device's next used
 * position and names the buffer by its id, and the position then moves on by as many ring
 * slots as that buffer took when it was made available (what Linux's driver expects). The
 * queue therefore remembers, per buffer id, the slots each outstanding buffer holds; an id
 * outside the ring or one still outstanding is a driver error, as are chains longer than the
 * ring or with a descriptor not marked available for its lap, nested or malformed indirect tables, buffers outside guest RAM and a device-readable
 * buffer after a device-writable one. The device never asks the driver to stop kicking (its
 * event suppression structure stays "enable"); it honours the driver's, with EVENT_IDX too.
 */
public final class PackedVirtqueue implements Virtqueue {
    public static final int DESC_F_AVAIL = 1 << 7;
    public static final int DESC_F_USED = 1 << 15;
    public static final int EVENT_ENABLE = 0;
    public static final int EVENT_DISABLE = 1;
    public static final int EVENT_DESC = 2;
    /** The base of a fresh queue: position 0, wrap counters set. */
    public static final int FRESH = 1 << 15;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int index;
    private final int size;
    private final GuestMemory memory;
    private final boolean eventIdx;
    private final boolean indirect;
    private final MemorySegment ring;
    private final MemorySegment driverEvent;
    private final QueueInterrupt interrupt;

    private int nextAvail;
    private boolean availWrap;
    private int nextUsed;
    private boolean usedWrap;
    /** Ring slots each outstanding buffer holds, by buffer id; 0 when the id is not outstanding. */
    private final int[] slots;
    /** Where each recent pop started and the id it took, for {@link #unpop}. */
    private final long[] history;
    private long pops;
    private int signalledUsed;
    private boolean signalledValid;
    private boolean broken;

    /**
     * Binds a queue to its ring and event suppression structures in guest memory.
     *
     * @param size        the number of descriptors (1 to 32768; need not be a power of 2)
     * @param ringAddr    guest address of the descriptor ring (16-byte aligned)
     * @param driverAddr  guest address of the driver's event suppression structure
     * @param deviceAddr  guest address of the device's event suppression structure
     * @param features    the negotiated feature bits (EVENT_IDX, INDIRECT_DESC)
     * @param base        where to resume, as {@link #lastAvail()} gave it ({@link #FRESH} for a new
     *                    queue); every buffer taken before was used, so the used side resumes there too
     * @throws VirtqueueException when the size, an address or the base is invalid
     */
    public PackedVirtqueue(int index, GuestMemory memory, int size, long ringAddr, long driverAddr, long deviceAddr,
            long features, int base, QueueInterrupt interrupt) throws VirtqueueException {
        if (size <= 0 || size > 32768) {
            throw new VirtqueueException("queue " + index + ": size " + size + " is not 1 to 32768");
        }
        if ((ringAddr & 15) != 0 || (driverAddr & 3) != 0 || (deviceAddr & 3) != 0) {
            throw new VirtqueueException("queue " + index + ": misaligned packed ring (ring 0x" + Long.toHexString(ringAddr)
                    + ", driver 0x" + Long.toHexString(driverAddr) + ", device 0x" + Long.toHexString(deviceAddr) + ")");
        }
        if ((base & 0x7fff) >= size || (base & ~0xffff) != 0) {
            throw new VirtqueueException("queue " + index + ": base 0x" + Integer.toHexString(base) + " outside a ring of "
                    + size);
        }
        this.index = index;
        this.size = size;
        this.memory = memory;
        this.nextAvail = this.nextUsed = base & 0x7fff;
        this.availWrap = this.usedWrap = (base & FRESH) != 0;
        this.eventIdx = (features & VirtioFeatures.RING_EVENT_IDX) != 0;
        this.indirect = (features & VirtioFeatures.RING_INDIRECT_DESC) != 0;
        this.interrupt = interrupt;
        this.slots = new int[size];
        this.history = new long[size];
        MemorySegment deviceEvent;
        try {
            this.ring = memory.slice(ringAddr, 16L * size);
            this.driverEvent = memory.slice(driverAddr, 4);
            deviceEvent = memory.slice(deviceAddr, 4);
        } catch (GuestMemoryException | IllegalArgumentException e) {
            throw new VirtqueueException("queue " + index + ": ring outside guest RAM: " + e.getMessage());
        }
        deviceEvent.set(U32, 0, EVENT_ENABLE);
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    /** The next position to read and, in bit 15, the wrap counter (vhost-user's packed base). */
    @Override
    public synchronized int lastAvail() {
        return nextAvail | (availWrap ? 1 << 15 : 0);
    }

    @Override
    public synchronized boolean broken() {
        return broken;
    }

    private static boolean available(int flags, boolean wrap) {
        return ((flags & DESC_F_AVAIL) != 0) == wrap && ((flags & DESC_F_USED) != 0) != wrap;
    }

    private int flagsAt(int pos) {
        return Short.toUnsignedInt(ring.get(U16, 16L * pos + 14));
    }

    @Override
    public synchronized DescriptorChain pop() throws VirtqueueException {
        if (broken || !available(flagsAt(nextAvail), availWrap)) {
            return null;
        }
        // The descriptors must be read after the flags that published them.
        VarHandle.acquireFence();
        try {
            return walk();
        } catch (VirtqueueException e) {
            broken = true;
            throw e;
        }
    }

    private DescriptorChain walk() throws VirtqueueException {
        List<Descriptor> readable = new ArrayList<>(4);
        List<Descriptor> writable = new ArrayList<>(4);
        long[] lengths = new long[2];
        int start = nextAvail;
        int pos = nextAvail;
        boolean wrap = availWrap;
        int taken = 0;
        int id;
        while (true) {
            if (++taken > size) {
                throw fail("descriptor chain at " + start + " is longer than the ring of " + size);
            }
            long base = 16L * pos;
            long addr = ring.get(U64, base);
            long len = Integer.toUnsignedLong(ring.get(U32, base + 8));
            id = Short.toUnsignedInt(ring.get(U16, base + 12));
            int flags = Short.toUnsignedInt(ring.get(U16, base + 14));
            if (taken > 1 && !available(flags, wrap)) {
                // Drivers mark every descriptor of a chain (virtio 1.2, 2.8.21.1); a slot left over
                // from an earlier lap must not be taken again, or a ring the driver never touches
                // would keep the device busy forever.
                throw fail("descriptor " + pos + " of the chain at " + start + " is not marked available");
            }
            if (++pos == size) {
                pos = 0;
                wrap = !wrap;
            }
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (!indirect) {
                    throw fail("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
                }
                if ((flags & DESC_F_NEXT) != 0) {
                    throw fail("indirect descriptor with NEXT set");
                }
                indirectTable(addr, len, readable, writable, lengths);
                break;
            }
            add(addr, len, (flags & DESC_F_WRITE) != 0, readable, writable, lengths);
            if ((flags & DESC_F_NEXT) == 0) {
                break;
            }
        }
        if (id >= size) {
            throw fail("buffer id " + id + " outside a ring of " + size);
        }
        if (slots[id] != 0) {
            throw fail("buffer id " + id + " made available again before the device used it");
        }
        history[(int) (pops++ % size)] = start | (availWrap ? 1L << 16 : 0) | (long) id << 17;
        slots[id] = taken;
        nextAvail = pos;
        availWrap = wrap;
        return new DescriptorChain(id, readable, writable, lengths[0], lengths[1]);
    }

    /** An indirect table: every entry is one buffer, in order (NEXT means nothing there). */
    private void indirectTable(long addr, long len, List<Descriptor> readable, List<Descriptor> writable,
                               long[] lengths) throws VirtqueueException {
        if (len == 0 || len % 16 != 0 || len / 16 > MAX_INDIRECT) {
            throw fail("indirect table of " + len + " bytes (must be a non-zero multiple of 16, at most "
                    + MAX_INDIRECT + " descriptors)");
        }
        MemorySegment table = slice(addr, len, "indirect table");
        for (long at = 0; at < len; at += 16) {
            int flags = Short.toUnsignedInt(table.get(U16, at + 14));
            if ((flags & DESC_F_INDIRECT) != 0) {
                throw fail("indirect descriptor inside an indirect table");
            }
            add(table.get(U64, at), Integer.toUnsignedLong(table.get(U32, at + 8)), (flags & DESC_F_WRITE) != 0,
                    readable, writable, lengths);
        }
    }

    private void add(long addr, long len, boolean write, List<Descriptor> readable, List<Descriptor> writable,
                     long[] lengths) throws VirtqueueException {
        if (!write && !writable.isEmpty()) {
            throw fail("device-readable descriptor after a device-writable one");
        }
        if (len > 0) {
            (write ? writable : readable).add(new Descriptor(addr, slice(addr, len, "buffer"), write));
            lengths[write ? 1 : 0] += len;
        }
    }

    @Override
    public synchronized boolean hasPending() {
        if (broken) {
            return false;
        }
        VarHandle.fullFence();
        return available(flagsAt(nextAvail), availWrap);
    }

    @Override
    public synchronized void unpop(int n) {
        if (n == 0) {
            return;
        }
        if (n < 0 || n > size || n > pops) {
            throw new IllegalArgumentException("queue " + index + ": cannot give back " + n + " chains");
        }
        long first = 0;
        for (int k = 0; k < n; k++) {
            first = history[(int) (--pops % size)];
            slots[(int) (first >>> 17)] = 0;
        }
        nextAvail = (int) (first & 0xffff);
        availWrap = (first & (1L << 16)) != 0;
    }

    /**
     * Writes the used descriptor for buffer {@code id} at the device's next used position, its
     * flags last, and moves on by the ring slots that buffer held.
     *
     * @throws IllegalStateException when {@code id} is not a buffer the device popped (a device bug)
     */
    @Override
    public synchronized void push(int id, int written) {
        if (id < 0 || id >= size || slots[id] == 0) {
            throw new IllegalStateException("queue " + index + ": buffer " + id + " is not outstanding");
        }
        long base = 16L * nextUsed;
        ring.set(U32, base + 8, written);
        ring.set(U16, base + 12, (short) id);
        // The id and length must be visible before the flags that publish them.
        VarHandle.releaseFence();
        ring.set(U16, base + 14, (short) (usedWrap ? DESC_F_AVAIL | DESC_F_USED : 0));
        nextUsed += slots[id];
        slots[id] = 0;
        if (nextUsed >= size) {
            nextUsed -= size;
            usedWrap = !usedWrap;
        }
    }

    @Override
    public void notifyIfNeeded() {
        if (shouldNotify()) {
            interrupt.signal();
        }
    }

    synchronized boolean shouldNotify() {
        // The used descriptors must be visible before the driver's wishes are read (the driver
        // does the mirror image), else both sides may sleep.
        VarHandle.fullFence();
        int old = signalledUsed;
        boolean valid = signalledValid;
        int now = nextUsed;
        signalledUsed = now;
        signalledValid = true;
        int flags = Short.toUnsignedInt(driverEvent.get(U16, 2));
        if (flags == EVENT_DISABLE) {
            return false;
        }
        if (flags != EVENT_DESC || !eventIdx) {
            return true;
        }
        int offWrap = Short.toUnsignedInt(driverEvent.get(U16, 0));
        int event = offWrap & 0x7fff;
        if ((offWrap >>> 15 != 0) != usedWrap) {
            event -= size;
        }
        // vring_need_event: did the used position pass the event since the last signal?
        return !valid || ((now - event - 1) & 0xffff) < ((now - old) & 0xffff);
    }

    private MemorySegment slice(long addr, long len, String what) throws VirtqueueException {
        try {
            return memory.slice(addr, len);
        } catch (GuestMemoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw fail(what + " at 0x" + Long.toHexString(addr) + "+" + len + " is not in guest RAM");
        }
    }

    private VirtqueueException fail(String message) {
        return new VirtqueueException("queue " + index + ": " + message);
    }
}
