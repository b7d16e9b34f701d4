package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * struct kvm_vcpu_events: pending exceptions, interrupts, NMIs and SMIs
 * (KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS). A save/restore passes it through whole;
 * {@code flags} says which optional parts KVM_SET_VCPU_EVENTS should apply.
 */
public final class KvmVcpuEvents {
    private KvmVcpuEvents() {
    }

    public static final int KVM_VCPUEVENT_VALID_NMI_PENDING = 0x1;
    public static final int KVM_VCPUEVENT_VALID_SIPI_VECTOR = 0x2;
    public static final int KVM_VCPUEVENT_VALID_SHADOW = 0x4;
    public static final int KVM_VCPUEVENT_VALID_SMM = 0x8;

    public static final StructLayout LAYOUT = struct("kvm_vcpu_events",
            struct("exception", u8("injected"), u8("nr"), u8("has_error_code"), u8("pending"), u32("error_code")),
            struct("interrupt", u8("injected"), u8("nr"), u8("soft"), u8("shadow")),
            struct("nmi", u8("injected"), u8("pending"), u8("masked"), u8("pad")),
            u32("sipi_vector"),
            u32("flags"),
            struct("smi", u8("smm"), u8("pending"), u8("smm_inside_nmi"), u8("latched_init")),
            struct("triple_fault", u8("pending")),
            array("reserved", 26, U8),
            u8("exception_has_payload"),
            u64("exception_payload"));

    public static final VarHandle EXCEPTION_INJECTED = StructFields.handle(LAYOUT, "exception.injected");
    public static final VarHandle EXCEPTION_NR = StructFields.handle(LAYOUT, "exception.nr");
    public static final VarHandle EXCEPTION_HAS_ERROR_CODE = StructFields.handle(LAYOUT, "exception.has_error_code");
    public static final VarHandle EXCEPTION_ERROR_CODE = StructFields.handle(LAYOUT, "exception.error_code");
    public static final VarHandle INTERRUPT_INJECTED = StructFields.handle(LAYOUT, "interrupt.injected");
    public static final VarHandle INTERRUPT_NR = StructFields.handle(LAYOUT, "interrupt.nr");
    public static final VarHandle INTERRUPT_SOFT = StructFields.handle(LAYOUT, "interrupt.soft");
    public static final VarHandle INTERRUPT_SHADOW = StructFields.handle(LAYOUT, "interrupt.shadow");
    public static final VarHandle NMI_INJECTED = StructFields.handle(LAYOUT, "nmi.injected");
    public static final VarHandle NMI_PENDING = StructFields.handle(LAYOUT, "nmi.pending");
    public static final VarHandle NMI_MASKED = StructFields.handle(LAYOUT, "nmi.masked");
    public static final VarHandle SIPI_VECTOR = StructFields.handle(LAYOUT, "sipi_vector");
    public static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");
}
