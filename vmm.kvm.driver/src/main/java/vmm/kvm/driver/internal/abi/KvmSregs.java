package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * struct kvm_sregs: segment, descriptor table and control registers (KVM_GET_SREGS /
 * KVM_SET_SREGS). Kept as memory rather than a record so that a get, change, set round trip
 * carries every field back, including the pending-interrupt bitmap.
 */
public final class KvmSregs {
    private KvmSregs() {
    }

    public static final StructLayout LAYOUT = struct("kvm_sregs",
            KvmSegment.LAYOUT.withName("cs"), KvmSegment.LAYOUT.withName("ds"),
            KvmSegment.LAYOUT.withName("es"), KvmSegment.LAYOUT.withName("fs"),
            KvmSegment.LAYOUT.withName("gs"), KvmSegment.LAYOUT.withName("ss"),
            KvmSegment.LAYOUT.withName("tr"), KvmSegment.LAYOUT.withName("ldt"),
            KvmDtable.LAYOUT.withName("gdt"), KvmDtable.LAYOUT.withName("idt"),
            u64("cr0"), u64("cr2"), u64("cr3"), u64("cr4"), u64("cr8"),
            u64("efer"), u64("apic_base"),
            array("interrupt_bitmap", 4, U64));

    public static final VarHandle CR0 = StructFields.handle(LAYOUT, "cr0");
    public static final VarHandle CR2 = StructFields.handle(LAYOUT, "cr2");
    public static final VarHandle CR3 = StructFields.handle(LAYOUT, "cr3");
    public static final VarHandle CR4 = StructFields.handle(LAYOUT, "cr4");
    public static final VarHandle CR8 = StructFields.handle(LAYOUT, "cr8");
    public static final VarHandle EFER = StructFields.handle(LAYOUT, "efer");
    public static final VarHandle APIC_BASE = StructFields.handle(LAYOUT, "apic_base");

    /** {@code name} is one of cs, ds, es, fs, gs, ss, tr, ldt. */
    public static KvmSegment segment(MemorySegment sregs, String name) {
        return KvmSegment.read(sregs, offsetOf(name, KvmSegment.LAYOUT));
    }

    public static void segment(MemorySegment sregs, String name, KvmSegment value) {
        value.write(sregs, offsetOf(name, KvmSegment.LAYOUT));
    }

    /** {@code name} is gdt or idt. */
    public static KvmDtable table(MemorySegment sregs, String name) {
        return KvmDtable.read(sregs, offsetOf(name, KvmDtable.LAYOUT));
    }

    public static void table(MemorySegment sregs, String name, KvmDtable value) {
        value.write(sregs, offsetOf(name, KvmDtable.LAYOUT));
    }

    private static long offsetOf(String name, StructLayout expected) {
        if (!StructFields.select(LAYOUT, name).equals(expected.withName(name))) {
            throw new IllegalArgumentException("kvm_sregs." + name + " is not a " + expected.name().orElseThrow());
        }
        return StructFields.offset(LAYOUT, name);
    }
}
