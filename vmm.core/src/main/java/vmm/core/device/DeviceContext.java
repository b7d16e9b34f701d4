package vmm.core.device;

import java.util.function.IntFunction;

import vmm.core.internal.device.FixedDeviceContext;
import vmm.core.memory.GuestMemory;

/**
 * What the machine gives a device when it creates it: the guest's RAM (for DMA and
 * virtqueues), its interrupt lines and MSI delivery, and a name for log messages (the id
 * from the domain definition, such as {@code serial0} or {@code virtio-blk@00:04.0}).
 */
public interface DeviceContext {

    /** The instance name, to prefix log messages with. */
    String name();

    /** Guest RAM; bounds-checked, so a bad guest address fails the request, not the host. */
    GuestMemory memory();

    /**
     * The interrupt line with global system interrupt number {@code gsi} (4 is COM1's IRQ on a
     * PC, 16-23 the PCI INTx lines of the IOAPIC).
     *
     * @throws IllegalArgumentException when the machine has no such line
     */
    IrqLine irq(int gsi);

    /** Where MSI and MSI-X messages go. */
    MsiSink msi();

    /** A context made of the given parts, for machines and for device tests. */
    static DeviceContext of(String name, GuestMemory memory, IntFunction<IrqLine> irqs, MsiSink msi) {
        return new FixedDeviceContext(name, memory, irqs, msi);
    }
}
