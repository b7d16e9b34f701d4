package vmm.core.device;

import java.util.List;
import java.util.Objects;

/**
 * A PCI function that also decodes fixed ISA I/O ports, as a legacy-mode IDE controller
 * (PIIX) answers at 0x1F0-0x1F7/0x3F6 whatever its BARs say. The machine claims these ranges
 * on the I/O port bus when it plugs the function in, and offers the function this facet
 * through {@link PciDevice#facet(Class)}. Its ISA interrupts it takes from
 * {@link DeviceContext#irq(int)} (ISA IRQ n is GSI n on a PC). Since 1.3.
 */
public interface IsaPorts {

    /**
     * One fixed range.
     *
     * @param name   what logs and bus conflict errors call the claim
     * @param base   the first port
     * @param length how many ports
     * @param device the registers; offsets are relative to {@code base}
     */
    record Claim(String name, int base, int length, BusDevice device) {
        public Claim {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(device, "device");
            if (base < 0 || length <= 0 || base + length > 0x10000) {
                throw new IllegalArgumentException(name + ": ports 0x" + Integer.toHexString(base) + "+" + length
                        + " are outside the I/O space");
            }
        }
    }

    /** The ranges to claim, fixed for the function's life. */
    List<Claim> isaPorts();
}
