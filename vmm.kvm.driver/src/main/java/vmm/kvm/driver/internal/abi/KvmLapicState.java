package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * struct kvm_lapic_state: the local APIC's 1 KiB register page as the guest would see it
 * at its MMIO base (KVM_GET_LAPIC / KVM_SET_LAPIC). Registers are 32 bits at 16-byte strides.
 */
public final class KvmLapicState {
    private KvmLapicState() {
    }

    public static final int KVM_APIC_REG_SIZE = 0x400;

    public static final StructLayout LAYOUT = struct("kvm_lapic_state", array("regs", KVM_APIC_REG_SIZE, U8));

    /** The local vector table entries for LINT0 and LINT1, where the PIC and NMI are wired. */
    public static final int APIC_LVT0 = 0x350;
    public static final int APIC_LVT1 = 0x360;

    public static int register(MemorySegment lapic, int offset) {
        return lapic.get(ValueLayout.JAVA_INT, checked(offset));
    }

    public static void register(MemorySegment lapic, int offset, int value) {
        lapic.set(ValueLayout.JAVA_INT, checked(offset), value);
    }

    private static long checked(int offset) {
        if (offset < 0 || offset > KVM_APIC_REG_SIZE - 4 || (offset & 0xf) != 0) {
            throw new IllegalArgumentException("APIC register offset 0x" + Integer.toHexString(offset));
        }
        return offset;
    }
}
