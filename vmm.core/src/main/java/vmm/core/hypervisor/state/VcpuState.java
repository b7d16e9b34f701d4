package vmm.core.hypervisor.state;

import java.util.Map;

/**
 * Everything a vCPU carries across save/restore and migration.
 *
 * @param msrs            the model-specific registers the accelerator keeps (index to value)
 * @param lapic           the local APIC's 1 KiB register image as KVM_GET_LAPIC lays it out,
 *                        or empty when the APIC lives in the machine (user-space irqchip)
 * @param halted          the vCPU sits in HLT (or waits for SIPI, see {@code waitingForSipi})
 * @param waitingForSipi  an AP that has not been started yet
 * @param interruptShadow interrupts are blocked for one instruction (after STI or MOV SS)
 */
public record VcpuState(Registers regs, SystemRegisters sregs, Map<Integer, Long> msrs, FpuState fpu,
                        byte[] lapic, boolean halted, boolean waitingForSipi, boolean interruptShadow) {
    public VcpuState {
        msrs = Map.copyOf(msrs);
        lapic = lapic.clone();
    }

    @Override
    public byte[] lapic() {
        return lapic.clone();
    }
}
