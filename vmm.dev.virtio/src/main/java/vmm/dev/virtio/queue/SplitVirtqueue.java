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
 * A split virtqueue (virtio 1.2, 2.7) as the device side sees it: takes chains the driver made
 * available, returns them through the used ring, and decides when the driver wants an
 * interrupt (VIRTIO_RING_F_EVENT_IDX or the NO_INTERRUPT flag).
 *
 * <p>Everything read from the rings is the guest's to choose, so everything is checked: ring
 * addresses and alignment, the available index (never more than the queue size ahead), head and
 * next indexes, descriptor loops (a chain visits at most as many descriptors as the table
 * holds), nested or malformed indirect tables, buffers outside guest RAM, and a device-readable
 * buffer after a device-writable one. A violation throws {@link VirtqueueException}; the
 * transport then marks the device as needing a reset. Host memory outside the guest's RAM is
 * never touched: every buffer is a bounds-checked slice of {@link GuestMemory}.
 *
 * <p>Thread-safety: {@link #pop} and {@link #push} synchronize on the queue, so a device may pop
 * on its notify thread and complete requests from I/O threads.
 */
public final class SplitVirtqueue implements Virtqueue {
    public static final int AVAIL_F_NO_INTERRUPT = 1;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int index;
    private final int size;
    private final GuestMemory memory;
    private final boolean eventIdx;
    private final boolean indirect;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final QueueInterrupt interrupt;

    private int lastAvail;
    private int usedIdx;
    private int signalledUsed;
    private boolean signalledValid;
    private boolean broken;

    /**
     * Binds a queue to its rings in guest memory.
     *
     * @param index      the queue's number, for messages
     * @param size       the number of descriptors (a power of 2, at most 32768)
     * @param descAddr   guest address of the descriptor table
     * @param availAddr  guest address of the available (driver) ring
     * @param usedAddr   guest address of the used (device) ring
     * @param features   the negotiated feature bits (EVENT_IDX, INDIRECT_DESC)
     * @param lastAvail  where to resume (0 for a fresh queue; vhost-user's SET_VRING_BASE)
     * @throws VirtqueueException when the size or a ring address is invalid
     */
    public SplitVirtqueue(int index, GuestMemory memory, int size, long descAddr, long availAddr, long usedAddr,
            long features, int lastAvail, QueueInterrupt interrupt) throws VirtqueueException {
        if (size <= 0 || size > 32768 || (size & (size - 1)) != 0) {
            throw new VirtqueueException("queue " + index + ": size " + size + " is not a power of 2 up to 32768");
        }
        if ((descAddr & 15) != 0 || (availAddr & 1) != 0 || (usedAddr & 3) != 0) {
            throw new VirtqueueException("queue " + index + ": misaligned ring (desc 0x" + Long.toHexString(descAddr)
                    + ", avail 0x" + Long.toHexString(availAddr) + ", used 0x" + Long.toHexString(usedAddr) + ")");
        }
        this.index = index;
        this.size = size;
        this.memory = memory;
        this.eventIdx = (features & VirtioFeatures.RING_EVENT_IDX) != 0;
        this.indirect = (features & VirtioFeatures.RING_INDIRECT_DESC) != 0;
        this.interrupt = interrupt;
        this.lastAvail = lastAvail & 0xffff;
        try {
            this.desc = memory.slice(descAddr, 16L * size);
            this.avail = memory.slice(availAddr, 6L + 2L * size);
            this.used = memory.slice(usedAddr, 6L + 8L * size);
        } catch (GuestMemoryException | IllegalArgumentException e) {
            throw new VirtqueueException("queue " + index + ": ring outside guest RAM: " + e.getMessage());
        }
        // A queue resumed at a base continues its used index from there (vhost-user resumes
        // after a stop with used == avail: every request was completed before GET_VRING_BASE).
        this.usedIdx = Short.toUnsignedInt(used.get(U16, 2));
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

    /** Where the device stands in the available ring (vhost-user's GET_VRING_BASE). */
    @Override
    public synchronized int lastAvail() {
        return lastAvail;
    }

    /** True once the driver broke the rules; the queue then hands out nothing more. */
    @Override
    public synchronized boolean broken() {
        return broken;
    }

    /**
     * The next chain the driver made available, or null when there is none. With EVENT_IDX the
     * queue also tells the driver, through avail_event, to kick again for the next one.
     */
    @Override
    public synchronized DescriptorChain pop() throws VirtqueueException {
        if (broken) {
            return null;
        }
        try {
            int availIdx = Short.toUnsignedInt(avail.get(U16, 2));
            int pending = (availIdx - lastAvail) & 0xffff;
            if (pending == 0) {
                return null;
            }
            if (pending > size) {
                throw fail("available index " + availIdx + " is " + pending + " ahead of " + lastAvail
                        + ", more than the queue size " + size);
            }
            // The ring entry must be read after the index that published it.
            VarHandle.acquireFence();
            int head = Short.toUnsignedInt(avail.get(U16, 4L + 2L * (lastAvail % size)));
            DescriptorChain chain = walk(head);
            lastAvail = (lastAvail + 1) & 0xffff;
            if (eventIdx) {
                used.set(U16, 4L + 8L * size, (short) lastAvail);
            }
            return chain;
        } catch (VirtqueueException e) {
            broken = true;
            throw e;
        }
    }

    /**
     * True when the driver has made chains available that were not popped yet. With EVENT_IDX
     * it first publishes avail_event, so a driver adding one now will kick (no lost wakeup).
     */
    @Override
    public synchronized boolean hasPending() {
        if (broken) {
            return false;
        }
        if (eventIdx) {
            used.set(U16, 4L + 8L * size, (short) lastAvail);
        }
        VarHandle.fullFence();
        return Short.toUnsignedInt(avail.get(U16, 2)) != lastAvail;
    }

    /**
     * Gives back the last {@code n} chains popped and not pushed, as if never taken (a device
     * that popped receive buffers for a frame that turned out not to fit).
     */
    @Override
    public synchronized void unpop(int n) {
        lastAvail = (lastAvail - n) & 0xffff;
    }

    /** Returns a chain to the driver with {@code written} bytes written into its buffers. */
    @Override
    public synchronized void push(int head, int written) {
        long elem = 4L + 8L * (usedIdx % size);
        used.set(U32, elem, head);
        used.set(U32, elem + 4, written);
        // The element must be visible before the index that publishes it.
        VarHandle.releaseFence();
        usedIdx = (usedIdx + 1) & 0xffff;
        used.set(U16, 2, (short) usedIdx);
    }

    /** Interrupts the driver if, after the chains pushed so far, it wants an interrupt. */
    @Override
    public void notifyIfNeeded() {
        if (shouldNotify()) {
            interrupt.signal();
        }
    }

    synchronized boolean shouldNotify() {
        // The used index must be visible before the driver's event index is read (the driver
        // does the mirror image), else both sides may sleep.
        VarHandle.fullFence();
        if (!eventIdx) {
            return (Short.toUnsignedInt(avail.get(U16, 0)) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        int old = signalledUsed;
        boolean valid = signalledValid;
        int now = usedIdx;
        signalledUsed = now;
        signalledValid = true;
        int event = Short.toUnsignedInt(avail.get(U16, 4L + 2L * size));
        return !valid || ((now - event - 1) & 0xffff) < ((now - old) & 0xffff);
    }

    private DescriptorChain walk(int head) throws VirtqueueException {
        if (head >= size) {
            throw fail("head index " + head + " outside a table of " + size);
        }
        List<Descriptor> readable = new ArrayList<>(4);
        List<Descriptor> writable = new ArrayList<>(4);
        long[] lengths = new long[2];
        MemorySegment table = desc;
        int limit = size;
        int i = head;
        int visited = 0;
        boolean inIndirect = false;
        while (true) {
            if (++visited > limit) {
                throw fail("descriptor chain from head " + head + " is longer than " + limit + " (a loop?)");
            }
            long base = 16L * i;
            long addr = table.get(U64, base);
            int len = table.get(U32, base + 8);
            int flags = Short.toUnsignedInt(table.get(U16, base + 12));
            int next = Short.toUnsignedInt(table.get(U16, base + 14));
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (!indirect) {
                    throw fail("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
                }
                if (inIndirect) {
                    throw fail("indirect descriptor inside an indirect table");
                }
                if ((flags & DESC_F_NEXT) != 0) {
                    throw fail("indirect descriptor with NEXT set");
                }
                long tableLen = Integer.toUnsignedLong(len);
                if (tableLen == 0 || tableLen % 16 != 0 || tableLen / 16 > MAX_INDIRECT) {
                    throw fail("indirect table of " + tableLen + " bytes (must be a non-zero multiple of 16, at most "
                            + MAX_INDIRECT + " descriptors)");
                }
                table = slice(addr, tableLen, "indirect table");
                limit = (int) (tableLen / 16);
                visited = 0;
                inIndirect = true;
                i = 0;
                continue;
            }
            boolean write = (flags & DESC_F_WRITE) != 0;
            if (!write && !writable.isEmpty()) {
                throw fail("device-readable descriptor " + i + " after a device-writable one");
            }
            long ulen = Integer.toUnsignedLong(len);
            if (ulen > 0) {
                Descriptor d = new Descriptor(addr, slice(addr, ulen, "buffer"), write);
                (write ? writable : readable).add(d);
                lengths[write ? 1 : 0] += ulen;
            }
            if ((flags & DESC_F_NEXT) == 0) {
                break;
            }
            if (next >= limit) {
                throw fail("next index " + next + " outside a table of " + limit);
            }
            i = next;
        }
        return new DescriptorChain(head, readable, writable, lengths[0], lengths[1]);
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
