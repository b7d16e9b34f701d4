package vmm.core.hypervisor;

import vmm.core.device.BusDevice;

/**
 * A vCPU's local APIC as the CPU sees it: the software CPU polls it between blocks of guest
 * code, takes an interrupt when the guest allows one, and sleeps on it while halted. The
 * machine implements it (the local APIC device); an accelerator with an in-kernel irqchip
 * never sees it.
 *
 * <p>Every method may be called only from the vCPU's own thread, except {@link #wake()}.
 */
public interface InterruptPort {

    /** Pending-event bits of {@link #pendingEvents()}. */
    int EVENT_INTR = 1, EVENT_NMI = 2, EVENT_INIT = 4, EVENT_SIPI = 8, EVENT_SMI = 16;

    /**
     * What is waiting for the CPU: {@link #EVENT_INTR} when a maskable interrupt (from the
     * APIC or, through LINT0 in ExtINT mode, the PIC) has a priority above the TPR, and the
     * other bits for NMI, INIT and SIPI. Cheap: called between blocks.
     */
    int pendingEvents();

    /**
     * Accepts the highest-priority maskable interrupt (IRR to ISR, or an INTA cycle to the
     * PIC) and returns its vector; -1 if it went away (spurious).
     */
    int acknowledgeInterrupt();

    /** Consumes a pending NMI. */
    void acknowledgeNmi();

    /** Consumes a pending INIT. */
    void acknowledgeInit();

    /** Consumes a pending SIPI and returns its vector (the start page number). */
    int acknowledgeSipi();

    /**
     * Blocks the calling vCPU thread until {@link #pendingEvents()} is non-zero, {@link #wake()}
     * is called, or {@code timeoutNanos} pass (the APIC shortens it to its own timer deadline).
     */
    void await(long timeoutNanos) throws InterruptedException;

    /** Ends an {@link #await} early (from any thread: a kick, a pause, a device). */
    void wake();

    /** The IA32_APIC_BASE MSR (0x1b). */
    long apicBase();

    /** Writes IA32_APIC_BASE; returns false when the value is invalid (the CPU raises #GP). */
    boolean setApicBase(long value);

    /** CR8: the task priority (TPR bits 7:4). */
    int cr8();

    void setCr8(int value);

    /**
     * The APIC's register page, for accesses inside the 4 KiB at {@link #apicBase()} while the
     * APIC is enabled in xAPIC mode (in x2APIC mode the page is not decoded) (offset is relative to that page).
     */
    BusDevice registers();

    /**
     * Whether this APIC has the x2APIC mode (IA32_APIC_BASE bit 10, the MSRs 0x800-0x8ff): a CPU
     * advertises CPUID.1:ECX.x2APIC only when it is true.
     */
    default boolean x2apicSupported() {
        return false;
    }

    /**
     * RDMSR of an x2APIC register (MSR 0x800-0x8ff); empty when the CPU must raise #GP: the APIC
     * is not in x2APIC mode, or the register does not exist or is write-only there.
     */
    default java.util.OptionalLong readX2apicMsr(int msr) {
        return java.util.OptionalLong.empty();
    }

    /**
     * WRMSR of an x2APIC register (MSR 0x800-0x8ff); false when the CPU must raise #GP: not in
     * x2APIC mode, a missing or read-only register, or reserved bits set.
     */
    default boolean writeX2apicMsr(int msr, long value) {
        return false;
    }

    /** The TSC-deadline MSR (0x6e0). */
    long tscDeadline();

    /**
     * Writes the TSC-deadline MSR, {@code value} counted on the APIC's own TSC (the platform's
     * monotonic time base scaled to {@link VmPlatform#tscKhz()}). An accelerator whose TSC has
     * another origin or offset calls {@link #setTscDeadline(long, long)} instead.
     */
    void setTscDeadline(long value);

    /**
     * Writes the TSC-deadline MSR, also telling the APIC this vCPU's TSC now ({@code tscNow},
     * what RDTSC returns at the WRMSR): the deadline then falls {@code value - tscNow} TSC ticks
     * from now, whatever origin and offset the vCPU's TSC has. The default ignores {@code tscNow}.
     */
    default void setTscDeadline(long value, long tscNow) {
        setTscDeadline(value);
    }
}
