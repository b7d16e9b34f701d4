package vmm.dev.virtio.queue;

import java.util.ArrayList;
import java.util.List;

import vmm.core.memory.GuestMemory;
import vmm.dev.virtio.device.DeviceHost;

/**
 * A driver's side of a packed ring in guest memory, for tests, done as Linux's driver does it:
 * chains go in consecutive slots, the first descriptor's flags written last, and used
 * descriptors are read back at the driver's own used position.
 */
public final class PackedRings implements DeviceHost {
    public static final long RING = 0x10000;
    public static final long DRIVER = 0x20000;
    public static final long DEVICE = 0x30000;
    public final GuestMemory mem;
    public final int size;
    public final long features;
    public final List<String> resets = new ArrayList<>();
    public int interrupts;
    int nextAvail;
    boolean availWrap = true;
    int lastUsed;
    boolean usedWrap = true;
    final int[] slots;
    Virtqueue queue;

    public PackedRings(GuestMemory mem, int size, long features) {
        this.mem = mem;
        this.size = size;
        this.features = features | VirtioFeatures.RING_PACKED;
        this.slots = new int[size];
    }

    public Virtqueue open(int index) throws VirtqueueException {
        queue = new PackedVirtqueue(index, mem, size, RING, DRIVER, DEVICE, features, PackedVirtqueue.FRESH,
                () -> interrupts++);
        return queue;
    }

    /** One buffer of a chain: guest address, length, device-writable. */
    public record Buf(long addr, int len, boolean write) {
    }

    /** Makes a chain of {@code bufs} with buffer id {@code id} available. */
    public void offer(int id, Buf... bufs) {
        int first = nextAvail;
        int firstFlags = 0;
        for (int i = 0; i < bufs.length; i++) {
            int flags = (bufs[i].write() ? Virtqueue.DESC_F_WRITE : 0) | (i + 1 < bufs.length ? Virtqueue.DESC_F_NEXT : 0)
                    | availFlags(availWrap);
            write(nextAvail, bufs[i].addr(), bufs[i].len(), id, i == 0 ? -1 : flags);
            if (i == 0) {
                firstFlags = flags;
            }
            if (++nextAvail == size) {
                nextAvail = 0;
                availWrap = !availWrap;
            }
        }
        if (id < size) {
            slots[id] = bufs.length;
        }
        mem.writeShort(RING + 16L * first + 14, (short) firstFlags);
    }

    /** Makes an indirect table at {@code table} holding {@code bufs} available as buffer {@code id}. */
    public void offerIndirect(int id, long table, Buf... bufs) {
        for (int i = 0; i < bufs.length; i++) {
            long d = table + 16L * i;
            mem.writeLong(d, bufs[i].addr());
            mem.writeInt(d + 8, bufs[i].len());
            mem.writeShort(d + 12, (short) 0);
            mem.writeShort(d + 14, (short) (bufs[i].write() ? Virtqueue.DESC_F_WRITE : 0));
        }
        write(nextAvail, table, 16 * bufs.length, id, Virtqueue.DESC_F_INDIRECT | availFlags(availWrap));
        if (id < size) {
            slots[id] = 1;
        }
        if (++nextAvail == size) {
            nextAvail = 0;
            availWrap = !availWrap;
        }
    }

    static int availFlags(boolean wrap) {
        return wrap ? PackedVirtqueue.DESC_F_AVAIL : PackedVirtqueue.DESC_F_USED;
    }

    /** Writes a raw descriptor; flags -1 leaves the flags as they are. */
    public void write(int pos, long addr, int len, int id, int flags) {
        long d = RING + 16L * pos;
        mem.writeLong(d, addr);
        mem.writeInt(d + 8, len);
        mem.writeShort(d + 12, (short) id);
        if (flags >= 0) {
            mem.writeShort(d + 14, (short) flags);
        }
    }

    /** The next used buffer as {id, len}, or null when the device has used nothing more. */
    public int[] takeUsed() {
        long d = RING + 16L * lastUsed;
        int flags = Short.toUnsignedInt(mem.readShort(d + 14));
        boolean avail = (flags & PackedVirtqueue.DESC_F_AVAIL) != 0;
        boolean used = (flags & PackedVirtqueue.DESC_F_USED) != 0;
        if (avail != used || used != usedWrap) {
            return null;
        }
        int id = Short.toUnsignedInt(mem.readShort(d + 12));
        int len = mem.readInt(d + 8);
        lastUsed += id < size ? Math.max(1, slots[id]) : 1;
        if (lastUsed >= size) {
            lastUsed -= size;
            usedWrap = !usedWrap;
        }
        return new int[] {id, len};
    }

    /** The driver's event suppression: flags, and off_wrap for EVENT_DESC. */
    public void driverEvent(int flags, int offWrap) {
        mem.writeShort(DRIVER, (short) offWrap);
        mem.writeShort(DRIVER + 2, (short) flags);
    }

    @Override
    public GuestMemory memory() {
        return mem;
    }

    @Override
    public long features() {
        return features;
    }

    @Override
    public Virtqueue queue(int index) {
        return queue;
    }

    @Override
    public void needsReset(String reason) {
        resets.add(reason);
    }

    @Override
    public void configChanged() {
    }
}
