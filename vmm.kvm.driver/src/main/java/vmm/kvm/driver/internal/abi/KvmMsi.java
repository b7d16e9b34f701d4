package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** struct kvm_msi: a message-signalled interrupt, the write a device would make (KVM_SIGNAL_MSI). */
public record KvmMsi(long address, int data, int flags, int devid) {

    public static final StructLayout LAYOUT = struct("kvm_msi",
            u32("address_lo"), u32("address_hi"), u32("data"), u32("flags"), u32("devid"), array("pad", 12, U8));

    private static final VarHandle ADDRESS_LO = StructFields.handle(LAYOUT, "address_lo");
    private static final VarHandle ADDRESS_HI = StructFields.handle(LAYOUT, "address_hi");
    private static final VarHandle DATA = StructFields.handle(LAYOUT, "data");
    private static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");
    private static final VarHandle DEVID = StructFields.handle(LAYOUT, "devid");

    /** An x86 MSI: address and data as programmed in the device's MSI/MSI-X capability. */
    public static KvmMsi of(long address, int data) {
        return new KvmMsi(address, data, 0, 0);
    }

    public MemorySegment toSegment(SegmentAllocator allocator) {
        MemorySegment s = allocator.allocate(LAYOUT);
        ADDRESS_LO.set(s, 0L, (int) address);
        ADDRESS_HI.set(s, 0L, (int) (address >>> 32));
        DATA.set(s, 0L, data);
        FLAGS.set(s, 0L, flags);
        DEVID.set(s, 0L, devid);
        return s;
    }
}
