package vmm.dev.virtio.queue;

/** How a queue interrupts its driver: an MSI-X vector, INTx, or a vhost-user call eventfd. */
@FunctionalInterface
public interface QueueInterrupt {

    void signal();
}
