/**
 * The accelerator SPI: how the machine runs guest code.
 *
 * <h2>For accelerator authors</h2>
 * An accelerator bundle registers a {@link vmm.core.hypervisor.Hypervisor} as a DS service
 * with {@code vmm.hypervisor=<name>}. The machine picks one by name ({@code kvm}, {@code emu})
 * or automatically (KVM when {@code /dev/kvm} is usable, else the software CPU), then:
 * <ol>
 * <li>builds guest RAM and the PIO/MMIO buses with its devices, and calls
 * {@link vmm.core.hypervisor.Hypervisor#createVm} with them as a
 * {@link vmm.core.hypervisor.VmPlatform};</li>
 * <li>creates each {@link vmm.core.hypervisor.AcceleratedVcpu} and calls its
 * {@code run()} in a loop on a thread of its own; {@code run()} returns a
 * {@link vmm.core.hypervisor.VcpuExit} when the machine has something to do;</li>
 * <li>reads and writes the architectural state as the plain records of
 * {@link vmm.core.hypervisor.state} (save/restore and migration carry them);</li>
 * <li>delivers interrupts: through {@link vmm.core.hypervisor.AcceleratedVm#setIrqLine} and
 * {@code signalMsi} for an in-kernel irqchip, else through the user-space local APIC that
 * each vCPU sees as an {@link vmm.core.hypervisor.InterruptPort}.</li>
 * </ol>
 *
 * <p>2.3: {@link vmm.core.hypervisor.VmPlatform#nanoTime()}, the time base for clocks an
 * accelerator keeps itself (held still while a machine is saved or restored).
 * <p>2.4: {@link vmm.core.hypervisor.AcceleratedVm#saveInKernelDevices()} and
 * {@code restoreInKernelDevices}, the state of an in-kernel irqchip, PIT and clock for save/restore.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.4.0")
package vmm.core.hypervisor;
