package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_pit_config for KVM_CREATE_PIT2. */
public record KvmPitConfig(int flags) {

    /** Port 0x61 speaker bits read back as in a PC, without emulating sound. */
    public static final int KVM_PIT_SPEAKER_DUMMY = 1;

    public static final StructLayout LAYOUT = struct("kvm_pit_config", u32("flags"), array("pad", 15, U32));

    private static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");

    public MemorySegment toSegment(SegmentAllocator allocator) {
        MemorySegment s = allocator.allocate(LAYOUT);
        FLAGS.set(s, 0L, flags);
        return s;
    }
}
