package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * struct kvm_irqchip for KVM_GET_IRQCHIP / KVM_SET_IRQCHIP: one in-kernel chip's state. The
 * machine only carries it from one VM of the same kernel to another, so the 512-byte union
 * (kvm_pic_state or kvm_ioapic_state) stays opaque bytes.
 */
public record KvmIrqchip(int chipId, byte[] state) {

    public static final int KVM_IRQCHIP_PIC_MASTER = 0;
    public static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    public static final int KVM_IRQCHIP_IOAPIC = 2;
    public static final int STATE_SIZE = 512;

    public static final StructLayout LAYOUT = struct("kvm_irqchip",
            u32("chip_id"), u32("pad"),
            // kvm_ioapic_state in the union has u64 fields: the union, and so the struct, aligns to 8.
            union("chip", array("dummy", STATE_SIZE, U8)).withByteAlignment(8));

    private static final VarHandle CHIP_ID = StructFields.handle(LAYOUT, "chip_id");
    private static final long CHIP_OFFSET = LAYOUT.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("chip"));

    public KvmIrqchip {
        if (chipId < KVM_IRQCHIP_PIC_MASTER || chipId > KVM_IRQCHIP_IOAPIC) {
            throw new IllegalArgumentException("no in-kernel irqchip " + chipId);
        }
        if (state.length != STATE_SIZE) {
            throw new IllegalArgumentException("irqchip " + chipId + " state has " + state.length
                    + " bytes, not " + STATE_SIZE);
        }
        state = state.clone();
    }

    @Override
    public byte[] state() {
        return state.clone();
    }

    /** A request for chip {@code chipId}'s state, as KVM_GET_IRQCHIP takes it. */
    public static MemorySegment request(SegmentAllocator allocator, int chipId) {
        return new KvmIrqchip(chipId, new byte[STATE_SIZE]).toSegment(allocator);
    }

    public static KvmIrqchip read(MemorySegment s) {
        return new KvmIrqchip((int) CHIP_ID.get(s, 0L),
                s.asSlice(CHIP_OFFSET, STATE_SIZE).toArray(ValueLayout.JAVA_BYTE));
    }

    public MemorySegment toSegment(SegmentAllocator allocator) {
        MemorySegment s = allocator.allocate(LAYOUT);
        CHIP_ID.set(s, 0L, chipId);
        MemorySegment.copy(state, 0, s, ValueLayout.JAVA_BYTE, CHIP_OFFSET, STATE_SIZE);
        return s;
    }
}
