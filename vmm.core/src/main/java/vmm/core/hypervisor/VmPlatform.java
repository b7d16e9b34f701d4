package vmm.core.hypervisor;

import vmm.core.bus.Bus;
import vmm.core.memory.GuestMemory;

/**
 * What the machine gives an accelerator when it creates a VM: guest RAM, the buses where
 * devices sit, the vCPU count, and (for accelerators without an in-kernel irqchip) each
 * vCPU's local interrupt controller.
 *
 * <p>Port and MMIO accesses that the accelerator cannot handle itself go to {@link #pio()}
 * and {@link #mmio()}; an access no device claims reads as all ones and is logged by the bus.
 */
public interface VmPlatform {

    GuestMemory memory();

    Bus pio();

    Bus mmio();

    int vcpuCount();

    /**
     * The local APIC of vCPU {@code index}, run by the machine in user space; {@code null} when
     * the accelerator has an in-kernel irqchip.
     */
    InterruptPort interrupts(int index);

    /** TSC frequency the guest is told about (CPUID), in kHz. */
    long tscKhz();

    /**
     * The guest's time base in nanoseconds, for clocks the accelerator keeps itself (a software
     * CPU's TSC): the host's monotonic clock, except that the machine holds it still while it
     * saves or restores a machine, so that those clocks and the platform's timers (HPET, PM
     * timer, PIT, local APIC timers) are taken and put back as of one instant. Since 2.3.
     */
    default long nanoTime() {
        return System.nanoTime();
    }
}
