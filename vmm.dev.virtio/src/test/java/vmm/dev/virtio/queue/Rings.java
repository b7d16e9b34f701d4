package vmm.dev.virtio.queue;

import java.util.ArrayList;
import java.util.List;

import vmm.core.memory.GuestMemory;
import vmm.dev.virtio.device.DeviceHost;

/** A driver's side of a split ring in guest memory, for tests: writes descriptors, offers chains. */
public final class Rings implements DeviceHost {
    public static final long DESC = 0x10000;
    public static final long AVAIL = 0x20000;
    public static final long USED = 0x30000;
    public final GuestMemory mem;
    public final int size;
    public final long features;
    public final List<String> resets = new ArrayList<>();
    public int interrupts;
    int availIdx;
    Virtqueue queue;

    public Rings(GuestMemory mem, int size, long features) {
        this.mem = mem;
        this.size = size;
        this.features = features;
    }

    public Virtqueue queue(int index, long lastAvail) throws VirtqueueException {
        queue = new SplitVirtqueue(index, mem, size, DESC, AVAIL, USED, features, (int) lastAvail, () -> interrupts++);
        return queue;
    }

    public void desc(int i, long addr, int len, int flags, int next) {
        long d = DESC + 16L * i;
        mem.writeLong(d, addr);
        mem.writeInt(d + 8, len);
        mem.writeShort(d + 12, (short) flags);
        mem.writeShort(d + 14, (short) next);
    }

    /** Makes the chain starting at {@code head} available and publishes the index. */
    public void offer(int head) {
        mem.writeShort(AVAIL + 4 + 2L * (availIdx % size), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        mem.writeShort(AVAIL + 2, (short) availIdx);
    }

    public int usedIdx() {
        return Short.toUnsignedInt(mem.readShort(USED + 2));
    }

    public int usedId(int n) {
        return mem.readInt(USED + 4 + 8L * (n % size));
    }

    public int usedLen(int n) {
        return mem.readInt(USED + 8 + 8L * (n % size));
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
