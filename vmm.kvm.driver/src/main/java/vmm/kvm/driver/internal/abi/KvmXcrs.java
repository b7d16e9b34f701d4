package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_xcrs with its struct kvm_xcr entries (KVM_GET_XCRS / KVM_SET_XCRS). */
public final class KvmXcrs {
    private KvmXcrs() {
    }

    public static final int KVM_MAX_XCRS = 16;

    public static final StructLayout XCR = struct("kvm_xcr", u32("xcr"), u32("reserved"), u64("value"));

    public static final StructLayout LAYOUT = struct("kvm_xcrs",
            u32("nr_xcrs"), u32("flags"),
            array("xcrs", KVM_MAX_XCRS, XCR),
            array("padding", 16, U64));

    public static final VarHandle NR_XCRS = StructFields.handle(LAYOUT, "nr_xcrs");
    public static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");
    /** Indexed: (segment, 0L, index). */
    public static final VarHandle XCR_INDEX = StructFields.handle(LAYOUT, "xcrs[].xcr");
    /** Indexed: (segment, 0L, index). */
    public static final VarHandle XCR_VALUE = StructFields.handle(LAYOUT, "xcrs[].value");
}
