/**
 * IDE/ATA device models: a PIIX4 IDE PCI function in legacy mode (ports 0x1F0/0x170, ISA IRQ
 * 14/15, bus-master DMA in BAR 4) with ATA disks on the core's block API. Internal: the bundle
 * offers the DS device type {@code ide}, and {@code ClassPathIdeType} for a plain class path.
 */
package vmm.dev.ide;
