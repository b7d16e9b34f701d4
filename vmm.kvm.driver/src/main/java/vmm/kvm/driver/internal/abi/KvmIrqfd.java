package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * struct kvm_irqfd: signalling eventfd {@code fd} raises GSI {@code gsi}. With
 * {@link #KVM_IRQFD_FLAG_RESAMPLE}, a level-triggered line stays up until the guest EOIs and
 * KVM signals {@code resamplefd}.
 */
public record KvmIrqfd(int fd, int gsi, int flags, int resamplefd) {

    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1;
    public static final int KVM_IRQFD_FLAG_RESAMPLE = 1 << 1;

    public static final StructLayout LAYOUT = struct("kvm_irqfd",
            u32("fd"), u32("gsi"), u32("flags"), u32("resamplefd"), array("pad", 16, U8));

    private static final VarHandle FD = StructFields.handle(LAYOUT, "fd");
    private static final VarHandle GSI = StructFields.handle(LAYOUT, "gsi");
    private static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");
    private static final VarHandle RESAMPLEFD = StructFields.handle(LAYOUT, "resamplefd");

    public MemorySegment toSegment(SegmentAllocator allocator) {
        MemorySegment s = allocator.allocate(LAYOUT);
        FD.set(s, 0L, fd);
        GSI.set(s, 0L, gsi);
        FLAGS.set(s, 0L, flags);
        RESAMPLEFD.set(s, 0L, resamplefd);
        return s;
    }
}
