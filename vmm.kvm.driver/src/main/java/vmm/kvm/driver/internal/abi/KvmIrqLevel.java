package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_irq_level: drive GSI {@code irq} of the in-kernel irqchip to {@code level} (KVM_IRQ_LINE). */
public record KvmIrqLevel(int irq, int level) {

    public static final StructLayout LAYOUT = struct("kvm_irq_level",
            anonymousUnion(u32("irq"), u32("status")), u32("level"));

    private static final VarHandle IRQ = StructFields.handle(LAYOUT, "irq");
    private static final VarHandle LEVEL = StructFields.handle(LAYOUT, "level");

    public MemorySegment toSegment(SegmentAllocator allocator) {
        MemorySegment s = allocator.allocate(LAYOUT);
        IRQ.set(s, 0L, irq);
        LEVEL.set(s, 0L, level);
        return s;
    }
}
