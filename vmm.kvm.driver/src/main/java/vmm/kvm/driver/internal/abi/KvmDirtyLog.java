package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_dirty_log: which slot, and where KVM writes one bit per 4 KiB page of it. */
public final class KvmDirtyLog {
    private KvmDirtyLog() {
    }

    public static final StructLayout LAYOUT = struct("kvm_dirty_log",
            u32("slot"), u32("padding1"),
            anonymousUnion(pointer("dirty_bitmap"), u64("padding2")));

    private static final VarHandle SLOT = StructFields.handle(LAYOUT, "slot");
    private static final VarHandle DIRTY_BITMAP = StructFields.handle(LAYOUT, "dirty_bitmap");

    /**
     * Bytes of bitmap for a slot of {@code pages} pages: KVM writes whole longs, so a bitmap
     * rounded only to bytes would be overrun.
     */
    public static long bitmapBytes(long pages) {
        return ((pages + 63) / 64) * 8;
    }

    public static MemorySegment toSegment(SegmentAllocator allocator, int slot, MemorySegment bitmap) {
        MemorySegment s = allocator.allocate(LAYOUT);
        SLOT.set(s, 0L, slot);
        DIRTY_BITMAP.set(s, 0L, bitmap);
        return s;
    }
}
