package vmm.core.hypervisor;

/**
 * An accelerator: the thing that runs guest code ({@code kvm} on /dev/kvm, {@code emu} the
 * software x86-64 CPU). Registered as a DS service with the property
 * {@code vmm.hypervisor=<name>} by the bundle that provides it.
 *
 * <p>The machine owns guest memory, the buses and the devices; it hands them to
 * {@link #createVm} as a {@link VmPlatform}, and drives each vCPU from its own thread through
 * {@link AcceleratedVcpu#run()}.
 */
public interface Hypervisor {

    /** Service property that names the accelerator. */
    String PROPERTY = "vmm.hypervisor";

    /** Short name, as in QEMU's {@code -accel} ({@code kvm}, {@code emu}). */
    String name();

    /** Whether this host can run guests with it now, and why not when it cannot. */
    HypervisorStatus status();

    /**
     * Whether this accelerator models the interrupt controllers itself (KVM's in-kernel
     * irqchip). When false, the machine runs the PIC, IOAPIC and local APICs in user space and
     * hands each vCPU its {@link InterruptPort} through {@link VmPlatform#interrupts(int)}.
     */
    boolean hasInKernelIrqchip();

    /**
     * Creates a VM over the machine's memory and buses.
     *
     * @throws HypervisorException when the accelerator cannot create it (the message names
     *                             the step that failed)
     */
    AcceleratedVm createVm(VmPlatform platform) throws HypervisorException;
}
