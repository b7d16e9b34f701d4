package vmm.dev.virtio.device;

import vmm.dev.virtio.queue.Virtqueue;

/**
 * A virtio device model, independent of the transport that carries it (virtio-pci in our own
 * machines, vhost-user for another VMM). The transport negotiates features, owns the rings
 * and calls the model when the driver kicks a queue.
 *
 * <p>Threads: {@link #queueNotify} comes from the transport's queue thread (never a vCPU
 * thread); a model that does slow work hands it to its own threads and completes requests
 * with {@link Virtqueue#complete}.
 */
public interface VirtioDevice {

    /** The virtio device id (1 net, 2 block, 3 console, 4 entropy, 5 balloon). */
    int deviceId();

    /** Device-specific feature bits offered (the transport adds VERSION_1 and the ring features). */
    long features();

    /** How many virtqueues the device has. */
    int queueCount();

    /** The largest queue size the device accepts. */
    default int maxQueueSize() {
        return 256;
    }

    /** The device-specific configuration space, current contents. */
    byte[] config();

    /** The driver writes {@code data} at {@code offset} of the configuration space. */
    default void writeConfig(int offset, byte[] data) {
    }

    /**
     * The driver is ready (DRIVER_OK, or the first ring started under vhost-user); queues come
     * from {@code host} as the driver sets them up.
     */
    void start(DeviceHost host);

    /** The driver made buffers available on {@code queue}. */
    void queueNotify(Virtqueue queue);

    /**
     * Waits until every request taken from {@code queue} has completed (the transport stops the
     * ring and must hand back a consistent index). The default suits devices that complete
     * requests before {@link #queueNotify} returns.
     */
    default void quiesce(Virtqueue queue) {
    }

    /** The device is reset: stop using the queues; the next {@link #start} begins afresh. */
    void reset();

    /** Releases what the device holds (image, backend); after a final reset. */
    default void close() {
    }
}
