package vmm.core.internal.device;

import java.util.Objects;
import java.util.function.IntFunction;

import vmm.core.device.DeviceContext;
import vmm.core.device.IrqLine;
import vmm.core.device.MsiSink;
import vmm.core.memory.GuestMemory;

/** The plain {@link DeviceContext}: fixed parts handed in by the machine (or a test). */
public record FixedDeviceContext(String name, GuestMemory memory, IntFunction<IrqLine> irqs, MsiSink msi)
        implements DeviceContext {

    public FixedDeviceContext {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(irqs, "irqs");
        Objects.requireNonNull(msi, "msi");
    }

    @Override
    public IrqLine irq(int gsi) {
        IrqLine line = irqs.apply(gsi);
        if (line == null) {
            throw new IllegalArgumentException(name + ": the machine has no interrupt line " + gsi);
        }
        return line;
    }
}
