package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * struct kvm_pit_state2 for KVM_GET_PIT2 / KVM_SET_PIT2: the in-kernel PIT's three channels
 * and flags. Carried whole between VMs of the same kernel, so kept as its bytes.
 */
public record KvmPitState2(byte[] bytes) {

    public static final StructLayout CHANNEL = struct("kvm_pit_channel_state",
            u32("count"), u16("latched_count"), u8("count_latched"), u8("status_latched"), u8("status"),
            u8("read_state"), u8("write_state"), u8("write_latch"), u8("rw_mode"), u8("mode"), u8("bcd"),
            u8("gate"), u64("count_load_time"));
    public static final StructLayout LAYOUT = struct("kvm_pit_state2",
            array("channels", 3, CHANNEL), u32("flags"), array("reserved", 9, U32));

    public KvmPitState2 {
        if (bytes.length != LAYOUT.byteSize()) {
            throw new IllegalArgumentException("PIT state has " + bytes.length + " bytes, not " + LAYOUT.byteSize());
        }
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public static KvmPitState2 read(MemorySegment s) {
        return new KvmPitState2(s.asSlice(0, LAYOUT.byteSize()).toArray(ValueLayout.JAVA_BYTE));
    }

    public MemorySegment toSegment(SegmentAllocator allocator) {
        MemorySegment s = allocator.allocate(LAYOUT);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }
}
