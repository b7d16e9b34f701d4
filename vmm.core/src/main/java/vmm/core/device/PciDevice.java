package vmm.core.device;

/**
 * A PCI function as the host bridge sees it: 256 bytes of configuration space the guest
 * reads and writes through the bridge (ports 0xCF8/0xCFC on a PC). The function's registers
 * proper (its BARs) are separate {@link BusDevice}s claimed on the PIO or MMIO bus where the
 * guest programmed the BARs.
 *
 * <p>Most functions build a {@link PciConfigSpace}, return it, and return a {@link BusDevice}
 * for each BAR from {@link #bar(int)}; one that reacts to
 * configuration writes (a BAR moved, bus mastering enabled, MSI-X enabled) overrides
 * {@link #writeConfig} and calls the default after or before its own handling.
 */
public interface PciDevice {

    /** The function's configuration space. */
    PciConfigSpace configSpace();

    /**
     * Reads {@code size} bytes (1, 2 or 4) at {@code offset} (0-255), little-endian in the low
     * bits of the result.
     */
    default int readConfig(int offset, int size) {
        return configSpace().read(offset, size);
    }

    /** Writes the low {@code size} bytes of {@code value} at {@code offset}; read-only bits stay. */
    default void writeConfig(int offset, int size, int value) {
        configSpace().write(offset, size, value);
    }

    /**
     * The registers behind BAR {@code index}: the host bridge claims them on the I/O or MMIO
     * bus at the address the guest programs while the command register enables decoding, and
     * moves or releases the claim as the guest reprograms it. Offsets are relative to the BAR.
     * The default, null, means nothing is mapped for that BAR.
     */
    default BusDevice bar(int index) {
        return null;
    }

    /** Back to the power-on configuration (BARs unassigned, decoding off). */
    default void resetConfig() {
        configSpace().reset();
    }

    /**
     * The function seen as {@code kind}, a host-side interface such as {@link MemoryBalloon},
     * when it offers one. The default: the function itself when it implements {@code kind}; a
     * transport that wraps a device model (virtio-pci) also offers what the model implements.
     * Since 1.2.
     */
    default <T> java.util.Optional<T> facet(Class<T> kind) {
        return kind.isInstance(this) ? java.util.Optional.of(kind.cast(this)) : java.util.Optional.empty();
    }

    /** A short name for logs. */
    default String name() {
        return getClass().getSimpleName();
    }
}
