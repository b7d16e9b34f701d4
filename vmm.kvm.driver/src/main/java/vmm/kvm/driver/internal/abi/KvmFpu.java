package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_fpu: x87 and SSE state in FXSAVE terms (KVM_GET_FPU / KVM_SET_FPU). */
public final class KvmFpu {
    private KvmFpu() {
    }

    public static final StructLayout LAYOUT = struct("kvm_fpu",
            array("fpr", 8, array(16, U8)),
            u16("fcw"), u16("fsw"), u8("ftwx"), u8("pad1"), u16("last_opcode"),
            u64("last_ip"), u64("last_dp"),
            array("xmm", 16, array(16, U8)),
            u32("mxcsr"), u32("pad2"));

    public static final VarHandle FCW = StructFields.handle(LAYOUT, "fcw");
    public static final VarHandle FSW = StructFields.handle(LAYOUT, "fsw");
    public static final VarHandle FTWX = StructFields.handle(LAYOUT, "ftwx");
    public static final VarHandle MXCSR = StructFields.handle(LAYOUT, "mxcsr");
    public static final long FPR_OFFSET = StructFields.offset(LAYOUT, "fpr");
    public static final long XMM_OFFSET = StructFields.offset(LAYOUT, "xmm");
}
