package vmm.dev.virtio.queue;

import vmm.core.memory.GuestMemory;

/**
 * A virtqueue as the device side sees it, in either layout the driver negotiated: split
 * ({@link SplitVirtqueue}) or packed ({@link PackedVirtqueue}, VIRTIO_F_RING_PACKED). Device
 * models see only this: they pop chains the driver made available and push them back with the
 * number of bytes written; a chain is named by its head index (split) or buffer id (packed).
 *
 * <p>Everything read from guest memory is the guest's to choose and is checked; a violation
 * throws {@link VirtqueueException}, the queue hands out nothing more, and the transport marks
 * the device as needing a reset. Thread-safety: {@link #pop} and {@link #push} synchronize on
 * the queue, so a device may pop on its notify thread and complete requests from I/O threads.
 */
public sealed interface Virtqueue permits SplitVirtqueue, PackedVirtqueue {
    int DESC_F_NEXT = 1;
    int DESC_F_WRITE = 2;
    int DESC_F_INDIRECT = 4;
    /** The largest indirect table accepted, in descriptors (Linux uses at most the ring size). */
    int MAX_INDIRECT = 1024;

    /** The queue's number within its device. */
    int index();

    /** The number of descriptors in the ring. */
    int size();

    /** The guest's RAM the buffers lie in. */
    GuestMemory memory();

    /** Where the device stands in the driver's ring (vhost-user's GET_VRING_BASE). */
    int lastAvail();

    /** True once the driver broke the rules; the queue then hands out nothing more. */
    boolean broken();

    /** The next chain the driver made available, or null when there is none. */
    DescriptorChain pop() throws VirtqueueException;

    /** True when the driver has made chains available that were not popped yet. */
    boolean hasPending();

    /**
     * Gives back the last {@code n} chains popped and not pushed, as if never taken (a device
     * that popped receive buffers for a frame that turned out not to fit).
     */
    void unpop(int n);

    /** Returns chain {@code head} to the driver with {@code written} bytes written into its buffers. */
    void push(int head, int written);

    /** Interrupts the driver if, after the chains pushed so far, it wants an interrupt. */
    void notifyIfNeeded();

    /** Returns a chain and interrupts the driver if it asked for it. */
    default void complete(int head, int written) {
        push(head, written);
        notifyIfNeeded();
    }
}
