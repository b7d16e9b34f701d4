package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_debugregs: DR0-DR3, DR6, DR7 (KVM_GET_DEBUGREGS / KVM_SET_DEBUGREGS). */
public final class KvmDebugregs {
    private KvmDebugregs() {
    }

    public static final StructLayout LAYOUT = struct("kvm_debugregs",
            array("db", 4, U64), u64("dr6"), u64("dr7"), u64("flags"), array("reserved", 9, U64));

    /** Indexed: (segment, 0L, index 0-3). */
    public static final VarHandle DB = StructFields.handle(LAYOUT, "db[]");
    public static final VarHandle DR6 = StructFields.handle(LAYOUT, "dr6");
    public static final VarHandle DR7 = StructFields.handle(LAYOUT, "dr7");
    public static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");
}
