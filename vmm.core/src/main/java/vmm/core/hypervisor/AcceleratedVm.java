package vmm.core.hypervisor;

/**
 * A VM created by an accelerator. The machine creates its vCPUs and, for an in-kernel
 * irqchip, routes interrupt lines and MSIs through it.
 */
public interface AcceleratedVm extends AutoCloseable {

    /** Creates vCPU {@code index} (0 is the bootstrap processor). */
    AcceleratedVcpu createVcpu(int index) throws HypervisorException;

    /** Drives GSI {@code gsi} of the in-kernel irqchip; unused with a user-space one. */
    default void setIrqLine(int gsi, boolean level) {
        throw new UnsupportedOperationException("no in-kernel irqchip");
    }

    /** Signals an MSI through the in-kernel irqchip; unused with a user-space one. */
    default void signalMsi(long address, int data) {
        throw new UnsupportedOperationException("no in-kernel irqchip");
    }

    /**
     * Tells the accelerator that guest RAM in [gpa, gpa+length) was written by someone other
     * than a vCPU (a loader, DMA), so code cached from it must be dropped.
     */
    default void invalidateCode(long gpa, long length) {
    }

    /**
     * The state of the devices the accelerator keeps itself (KVM's in-kernel PICs, IOAPIC,
     * PIT and clock), by name, read while the vCPUs are stopped. Since 2.4.
     *
     * @throws UnsupportedOperationException when this accelerator cannot read them out
     */
    default java.util.Map<String, vmm.core.device.DeviceState> saveInKernelDevices() {
        throw new UnsupportedOperationException("this accelerator cannot save its in-kernel devices");
    }

    /**
     * Puts back states from {@link #saveInKernelDevices()} before the vCPUs run. Since 2.4.
     *
     * @throws IllegalArgumentException naming the state that is missing or unreadable
     * @throws UnsupportedOperationException when this accelerator cannot restore them
     */
    default void restoreInKernelDevices(java.util.Map<String, vmm.core.device.DeviceState> states) {
        throw new UnsupportedOperationException("this accelerator cannot restore its in-kernel devices");
    }

    @Override
    void close();
}
