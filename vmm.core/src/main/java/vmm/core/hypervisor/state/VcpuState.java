package vmm.core.hypervisor.state;

import java.util.Map;
import java.util.Objects;

/**
 * Everything a vCPU carries across save/restore and migration.
 *
 * @param msrs            the model-specific registers the accelerator keeps (index to value)
 * @param lapic           the local APIC's 1 KiB register image as KVM_GET_LAPIC lays it out,
 *                        or empty when the APIC lives in the machine (user-space irqchip)
 * @param halted          the vCPU sits in HLT (or waits for SIPI, see {@code waitingForSipi})
 * @param waitingForSipi  an AP that has not been started yet
 * @param interruptShadow interrupts are blocked for one instruction (after STI or MOV SS)
 * @param debug           DR0-DR3, DR6, DR7
 * @param events          NMI blocking and events whose delivery is under way
 * @since 1.1 ({@code debug} and {@code events})
 */
public record VcpuState(Registers regs, SystemRegisters sregs, Map<Integer, Long> msrs, FpuState fpu,
                        byte[] lapic, boolean halted, boolean waitingForSipi, boolean interruptShadow,
                        DebugRegisters debug, VcpuEvents events) {
    public VcpuState {
        msrs = Map.copyOf(msrs);
        lapic = lapic.clone();
        Objects.requireNonNull(debug, "debug");
        Objects.requireNonNull(events, "events");
    }

    /** A state with the debug registers as after RESET and no events in flight (the 1.0 constructor). */
    public VcpuState(Registers regs, SystemRegisters sregs, Map<Integer, Long> msrs, FpuState fpu, byte[] lapic,
                     boolean halted, boolean waitingForSipi, boolean interruptShadow) {
        this(regs, sregs, msrs, fpu, lapic, halted, waitingForSipi, interruptShadow, DebugRegisters.RESET,
                VcpuEvents.NONE);
    }

    @Override
    public byte[] lapic() {
        return lapic.clone();
    }
}
