package vmm.core.device;

/**
 * One interrupt line into the guest's interrupt controller (the in-kernel IOAPIC/PIC under
 * KVM). Level-triggered devices (ISA serial, PCI INTx) call {@link #set(boolean)} whenever
 * their interrupt condition changes; edge-triggered ones call {@link #pulse()}.
 * Implementations are thread-safe and cheap enough to call on every register access.
 */
@FunctionalInterface
public interface IrqLine {

    /** Raises ({@code true}) or lowers the line. */
    void set(boolean level);

    /** An edge: raise, then lower. */
    default void pulse() {
        set(true);
        set(false);
    }

    /** A line connected to nothing, for devices created without an interrupt. */
    IrqLine NONE = level -> {
    };
}
