package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * struct kvm_irq_routing with its struct kvm_irq_routing_entry array: the whole GSI table,
 * which KVM_SET_GSI_ROUTING replaces at once.
 */
public final class KvmIrqRouting {
    private KvmIrqRouting() {
    }

    public static final int KVM_IRQ_ROUTING_IRQCHIP = 1;
    public static final int KVM_IRQ_ROUTING_MSI = 2;
    public static final int KVM_IRQCHIP_PIC_MASTER = 0;
    public static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    public static final int KVM_IRQCHIP_IOAPIC = 2;

    public static final StructLayout ENTRY = struct("kvm_irq_routing_entry",
            u32("gsi"), u32("type"), u32("flags"), u32("pad"),
            // 8-aligned in C because of the s390 adapter member, which x86 never uses.
            union("u",
                    struct("irqchip", u32("irqchip"), u32("pin")),
                    struct("msi", u32("address_lo"), u32("address_hi"), u32("data"),
                            anonymousUnion(u32("pad"), u32("devid"))),
                    array("pad", 8, U32)).withByteAlignment(8));

    public static final StructLayout LAYOUT = struct("kvm_irq_routing",
            u32("nr"), u32("flags"), flexibleArray("entries", ENTRY));

    private static final long ENTRIES = StructFields.offset(LAYOUT, "entries");
    private static final VarHandle NR = StructFields.handle(LAYOUT, "nr");
    private static final VarHandle GSI = StructFields.handle(ENTRY, "gsi");
    private static final VarHandle TYPE = StructFields.handle(ENTRY, "type");
    private static final VarHandle IRQCHIP = StructFields.handle(ENTRY, "u.irqchip.irqchip");
    private static final VarHandle PIN = StructFields.handle(ENTRY, "u.irqchip.pin");
    private static final VarHandle ADDRESS_LO = StructFields.handle(ENTRY, "u.msi.address_lo");
    private static final VarHandle ADDRESS_HI = StructFields.handle(ENTRY, "u.msi.address_hi");
    private static final VarHandle DATA = StructFields.handle(ENTRY, "u.msi.data");

    public static MemorySegment toSegment(SegmentAllocator allocator, List<? extends KvmIrqRoute> routes) {
        MemorySegment s = allocator.allocate(ENTRIES + routes.size() * ENTRY.byteSize(), ENTRY.byteAlignment());
        NR.set(s, 0L, routes.size());
        for (int i = 0; i < routes.size(); i++) {
            long at = ENTRIES + i * ENTRY.byteSize();
            KvmIrqRoute route = routes.get(i);
            GSI.set(s, at, route.gsi());
            switch (route) {
                case KvmIrqRoute.Irqchip c -> {
                    TYPE.set(s, at, KVM_IRQ_ROUTING_IRQCHIP);
                    IRQCHIP.set(s, at, c.irqchip());
                    PIN.set(s, at, c.pin());
                }
                case KvmIrqRoute.Msi m -> {
                    TYPE.set(s, at, KVM_IRQ_ROUTING_MSI);
                    ADDRESS_LO.set(s, at, (int) m.address());
                    ADDRESS_HI.set(s, at, (int) (m.address() >>> 32));
                    DATA.set(s, at, m.data());
                }
            }
        }
        return s;
    }
}
