package vmm.dev.virtio.queue;

/** Feature bits the transports and the queue share (virtio 1.2, 6). */
public final class VirtioFeatures {
    public static final long RING_INDIRECT_DESC = 1L << 28;
    public static final long RING_EVENT_IDX = 1L << 29;
    public static final long VERSION_1 = 1L << 32;
    public static final long ACCESS_PLATFORM = 1L << 33;
    public static final long RING_PACKED = 1L << 34;

    /** What every device offers on every transport: modern virtio with the split ring's extras. */
    public static final long TRANSPORT = VERSION_1 | RING_INDIRECT_DESC | RING_EVENT_IDX;

    private VirtioFeatures() {
    }
}
