package vmm.kvm.driver.internal.abi;

/** Where a GSI goes: one entry of the table {@link KvmIrqRouting} marshals. */
public sealed interface KvmIrqRoute {

    int gsi();

    /** GSI wired to a pin of the in-kernel PIC or IOAPIC. */
    record Irqchip(int gsi, int irqchip, int pin) implements KvmIrqRoute {
    }

    /** GSI that delivers an MSI with this address and data. */
    record Msi(int gsi, long address, int data) implements KvmIrqRoute {
    }
}
