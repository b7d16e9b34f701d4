/**
 * The address spaces devices live on: the I/O port bus and the MMIO bus. The machine claims
 * ranges for devices ({@link vmm.core.bus.Bus#insert}), and each vCPU exit on a port or MMIO
 * access is dispatched through {@link vmm.core.bus.Bus#read} or {@link vmm.core.bus.Bus#write}
 * to the device that claimed the address, with the offset into its range.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package vmm.core.bus;
