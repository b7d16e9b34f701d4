package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * struct kvm_ioeventfd: a guest write of {@code len} bytes to {@code addr} (a port when
 * {@link #KVM_IOEVENTFD_FLAG_PIO} is set) signals eventfd {@code fd} in the kernel instead of
 * exiting to user space; with {@link #KVM_IOEVENTFD_FLAG_DATAMATCH} only when the value is
 * {@code datamatch}. This is how a virtqueue notify avoids a round trip through the VMM.
 */
public record KvmIoeventfd(long datamatch, long addr, int len, int fd, int flags) {

    public static final int KVM_IOEVENTFD_FLAG_DATAMATCH = 1;
    public static final int KVM_IOEVENTFD_FLAG_PIO = 1 << 1;
    public static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2;

    public static final StructLayout LAYOUT = struct("kvm_ioeventfd",
            u64("datamatch"), u64("addr"), u32("len"), u32("fd"), u32("flags"), array("pad", 36, U8));

    private static final VarHandle DATAMATCH = StructFields.handle(LAYOUT, "datamatch");
    private static final VarHandle ADDR = StructFields.handle(LAYOUT, "addr");
    private static final VarHandle LEN = StructFields.handle(LAYOUT, "len");
    private static final VarHandle FD = StructFields.handle(LAYOUT, "fd");
    private static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");

    /** The same registration with the deassign flag: what removes it again. */
    public KvmIoeventfd deassign() {
        return new KvmIoeventfd(datamatch, addr, len, fd, flags | KVM_IOEVENTFD_FLAG_DEASSIGN);
    }

    public MemorySegment toSegment(SegmentAllocator allocator) {
        MemorySegment s = allocator.allocate(LAYOUT);
        DATAMATCH.set(s, 0L, datamatch);
        ADDR.set(s, 0L, addr);
        LEN.set(s, 0L, len);
        FD.set(s, 0L, fd);
        FLAGS.set(s, 0L, flags);
        return s;
    }

    /** Where this registration is, for messages. */
    public String describe() {
        return ((flags & KVM_IOEVENTFD_FLAG_PIO) != 0 ? "port 0x" : "mmio 0x") + Long.toHexString(addr)
                + " len " + len + " fd " + fd
                + ((flags & KVM_IOEVENTFD_FLAG_DATAMATCH) != 0 ? " datamatch 0x" + Long.toHexString(datamatch) : "");
    }
}
