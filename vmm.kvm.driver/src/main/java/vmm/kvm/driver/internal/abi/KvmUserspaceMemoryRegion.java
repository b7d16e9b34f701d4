package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * struct kvm_userspace_memory_region: guest-physical range {@code guestPhysAddr} backed by
 * host memory at {@code userspaceAddr}. A size of 0 deletes the slot.
 */
public record KvmUserspaceMemoryRegion(int slot, int flags, long guestPhysAddr, long memorySize, long userspaceAddr) {

    /** Track writes for KVM_GET_DIRTY_LOG (live migration, framebuffers). */
    public static final int KVM_MEM_LOG_DIRTY_PAGES = 1;
    /** Guest writes exit to user space as MMIO (ROM, flash). */
    public static final int KVM_MEM_READONLY = 2;

    public static final StructLayout LAYOUT = struct("kvm_userspace_memory_region",
            u32("slot"), u32("flags"), u64("guest_phys_addr"), u64("memory_size"), u64("userspace_addr"));

    private static final VarHandle SLOT = StructFields.handle(LAYOUT, "slot");
    private static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");
    private static final VarHandle GUEST_PHYS_ADDR = StructFields.handle(LAYOUT, "guest_phys_addr");
    private static final VarHandle MEMORY_SIZE = StructFields.handle(LAYOUT, "memory_size");
    private static final VarHandle USERSPACE_ADDR = StructFields.handle(LAYOUT, "userspace_addr");

    public MemorySegment toSegment(SegmentAllocator allocator) {
        MemorySegment s = allocator.allocate(LAYOUT);
        SLOT.set(s, 0L, slot);
        FLAGS.set(s, 0L, flags);
        GUEST_PHYS_ADDR.set(s, 0L, guestPhysAddr);
        MEMORY_SIZE.set(s, 0L, memorySize);
        USERSPACE_ADDR.set(s, 0L, userspaceAddr);
        return s;
    }
}
