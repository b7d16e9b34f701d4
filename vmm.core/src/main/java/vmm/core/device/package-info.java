/**
 * The device SPI: what a device model implements and what the machine gives it.
 *
 * <h2>Writing a device</h2>
 * A device is a {@link vmm.core.device.BusDevice}: the machine claims a range of I/O ports or
 * guest-physical addresses for it on a {@code vmm.core.bus.Bus}, and every guest access in
 * that range becomes a {@code read} or {@code write} call with the offset into the range and a
 * byte array as long as the access. A device keeps its registers, raises its interrupt through
 * an {@link vmm.core.device.IrqLine} (or {@link vmm.core.device.MsiSink} for MSI), reaches
 * guest RAM for DMA through the {@link vmm.core.memory.GuestMemory} of its
 * {@link vmm.core.device.DeviceContext}, and can save and restore its state as a
 * {@link vmm.core.device.DeviceState}.
 *
 * <p>Calls come from vCPU threads, possibly several at once: synchronize the device's state,
 * and do not block in {@code read}/{@code write} (hand slow work, such as disk I/O, to your
 * own thread and raise the interrupt when it completes).
 *
 * <h2>Offering it as a plugin</h2>
 * A bundle offers a device type with a Declarative Services component that implements
 * {@link vmm.core.device.DeviceType} and carries the service property
 * {@code vmm.device.type=<name>}. The machine looks the type up by the name used in the
 * domain definition and calls {@code create} once per device instance. A minimal device, a
 * scratch register readable and writable at offset 0:
 * <pre>{@code
 * @Component(property = DeviceType.PROPERTY + "=scratch")
 * public class ScratchType implements DeviceType {
 *     public String name() { return "scratch"; }
 *
 *     public BusDevice create(DeviceContext ctx, Map<String, String> config) {
 *         IrqLine irq = ctx.irq(Integer.parseInt(config.getOrDefault("irq", "5")));
 *         return new Scratch(irq);
 *     }
 * }
 *
 * final class Scratch implements BusDevice {
 *     private final IrqLine irq;
 *     private byte value;
 *
 *     Scratch(IrqLine irq) { this.irq = irq; }
 *
 *     public synchronized void read(long offset, byte[] data) {
 *         Arrays.fill(data, offset == 0 ? value : (byte) 0xff);
 *     }
 *
 *     public synchronized void write(long offset, byte[] data) {
 *         if (offset == 0) { value = data[0]; irq.pulse(); }   // tell the guest it landed
 *     }
 *
 *     public synchronized void reset() { value = 0; }
 *
 *     public synchronized DeviceState saveState() {
 *         return new DeviceState("scratch", 1, new byte[] { value });
 *     }
 *
 *     public synchronized void restoreState(DeviceState state) {
 *         value = state.require("scratch", 1).data()[0];
 *     }
 * }
 * }</pre>
 *
 * <h2>PCI functions</h2>
 * A PCI device additionally implements {@link vmm.core.device.PciDevice}: the host bridge
 * routes the guest's configuration-space accesses to it, and a
 * {@link vmm.core.device.PciConfigSpace} does the standard work (read-only IDs, BAR sizing,
 * capability list). Its BARs' registers are {@code BusDevice}s claimed on the buses. A
 * function that also answers at fixed ISA ports (a legacy-mode IDE controller) offers
 * {@link vmm.core.device.IsaPorts} as a facet (since 1.3).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package vmm.core.device;
