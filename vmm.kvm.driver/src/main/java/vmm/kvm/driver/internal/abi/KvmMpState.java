package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_mp_state: whether a vCPU runs, waits for INIT/SIPI, or halts. */
public final class KvmMpState {
    private KvmMpState() {
    }

    public static final int KVM_MP_STATE_RUNNABLE = 0;
    public static final int KVM_MP_STATE_UNINITIALIZED = 1;
    public static final int KVM_MP_STATE_INIT_RECEIVED = 2;
    public static final int KVM_MP_STATE_HALTED = 3;
    public static final int KVM_MP_STATE_SIPI_RECEIVED = 4;

    public static final StructLayout LAYOUT = struct("kvm_mp_state", u32("mp_state"));

    public static final VarHandle MP_STATE = StructFields.handle(LAYOUT, "mp_state");
}
