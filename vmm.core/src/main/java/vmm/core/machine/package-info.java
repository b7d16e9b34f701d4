/**
 * The machine: a PC (i440FX kind) with RAM, the platform devices, a kernel loaded as QEMU's
 * {@code -kernel} does (bzImage, PVH ELF or multiboot), and one thread per vCPU running guest
 * code through an accelerator of {@link vmm.core.hypervisor}.
 *
 * <pre>{@code
 * MachineConfig config = MachineConfig.builder(Path.of("guest.elf")).memory(128 << 20).cpus(2)
 *         .accelerator("auto").console(new Console(System.out, System.in)).build();
 * try (Machine m = machineFactory.create(config)) {
 *     m.start();
 *     MachineExit exit = m.awaitExit();   // PoweredOff, DebugExit, ResetRequested, Crashed, Destroyed
 * }
 * }</pre>
 * In OSGi, {@link vmm.core.machine.MachineFactory} is a service that knows every registered
 * {@link vmm.core.hypervisor.Hypervisor}; outside it, {@link vmm.core.machine.Machines} takes
 * the accelerators as arguments.
 *
 * <p>1.2: {@link vmm.core.machine.Machine#vcpuStats()} (per-vCPU CPU time and host CPU, for
 * virsh's vcpuinfo and domstats).
 *
 * <p>1.3: {@link vmm.core.machine.Machine#saveState(java.io.OutputStream)} and
 * {@link vmm.core.machine.Machine#restoreState(java.io.InputStream)} (virsh's save and restore:
 * a paused machine's vCPUs, devices and RAM, restored into a fresh machine of the same build),
 * {@link vmm.core.machine.Machine#start(boolean)} (start with the vCPUs held),
 * and {@link vmm.core.machine.Machine#pressPowerButton()} (graceful shutdown).
 *
 * <p>1.4: {@link vmm.core.machine.Machine#devices(Class)}: the host side of configured devices
 * while the guest runs (a {@link vmm.core.device.MemoryBalloon}'s target).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package vmm.core.machine;
