package vmm.dev.virtio.queue;

/**
 * The driver broke the virtqueue's rules (a descriptor loop, an address outside guest RAM, an
 * absurd index or length, a write-only buffer where a read-only one belongs). The device stops
 * using the queue and asks for a reset (VIRTIO_CONFIG_S_NEEDS_RESET); the VMM carries on.
 */
public final class VirtqueueException extends Exception {
    private static final long serialVersionUID = 1L;

    public VirtqueueException(String message) {
        super(message);
    }
}
