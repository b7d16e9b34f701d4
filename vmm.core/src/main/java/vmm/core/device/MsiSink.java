package vmm.core.device;

/**
 * Delivers message-signalled interrupts (PCI MSI and MSI-X): the device "writes" {@code data}
 * to {@code address} as the guest programmed them into its capability, and the machine turns
 * that into an interrupt (KVM_SIGNAL_MSI or an irqfd route). Thread-safe.
 */
@FunctionalInterface
public interface MsiSink {

    void signal(long address, int data);
}
