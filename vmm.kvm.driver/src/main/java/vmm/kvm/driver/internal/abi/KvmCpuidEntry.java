package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One CPUID leaf (struct kvm_cpuid_entry2) and struct kvm_cpuid2, the count plus flexible
 * array that KVM_GET_SUPPORTED_CPUID fills and KVM_SET_CPUID2 takes.
 */
public record KvmCpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

    public static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

    public static final StructLayout LAYOUT = struct("kvm_cpuid_entry2",
            u32("function"), u32("index"), u32("flags"),
            u32("eax"), u32("ebx"), u32("ecx"), u32("edx"),
            array("padding", 3, U32));

    public static final StructLayout CPUID2 = struct("kvm_cpuid2",
            u32("nent"), u32("padding"), flexibleArray("entries", LAYOUT));

    private static final VarHandle NENT = StructFields.handle(CPUID2, "nent");
    private static final long ENTRIES = StructFields.offset(CPUID2, "entries");
    private static final VarHandle FUNCTION = StructFields.handle(LAYOUT, "function");
    private static final VarHandle INDEX = StructFields.handle(LAYOUT, "index");
    private static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");
    private static final VarHandle EAX = StructFields.handle(LAYOUT, "eax");
    private static final VarHandle EBX = StructFields.handle(LAYOUT, "ebx");
    private static final VarHandle ECX = StructFields.handle(LAYOUT, "ecx");
    private static final VarHandle EDX = StructFields.handle(LAYOUT, "edx");

    /** An empty kvm_cpuid2 with room for {@code capacity} entries, nent set to it. */
    public static MemorySegment cpuid2(SegmentAllocator allocator, int capacity) {
        MemorySegment s = allocator.allocate(ENTRIES + capacity * LAYOUT.byteSize(), CPUID2.byteAlignment());
        NENT.set(s, 0L, capacity);
        return s;
    }

    public static MemorySegment cpuid2(SegmentAllocator allocator, List<KvmCpuidEntry> entries) {
        MemorySegment s = cpuid2(allocator, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            entries.get(i).write(s, ENTRIES + i * LAYOUT.byteSize());
        }
        return s;
    }

    public static List<KvmCpuidEntry> entries(MemorySegment cpuid2) {
        int n = (int) NENT.get(cpuid2, 0L);
        List<KvmCpuidEntry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(read(cpuid2, ENTRIES + i * LAYOUT.byteSize()));
        }
        return out;
    }

    public static KvmCpuidEntry read(MemorySegment memory, long offset) {
        return new KvmCpuidEntry((int) FUNCTION.get(memory, offset), (int) INDEX.get(memory, offset),
                (int) FLAGS.get(memory, offset), (int) EAX.get(memory, offset), (int) EBX.get(memory, offset),
                (int) ECX.get(memory, offset), (int) EDX.get(memory, offset));
    }

    public void write(MemorySegment memory, long offset) {
        FUNCTION.set(memory, offset, function);
        INDEX.set(memory, offset, index);
        FLAGS.set(memory, offset, flags);
        EAX.set(memory, offset, eax);
        EBX.set(memory, offset, ebx);
        ECX.set(memory, offset, ecx);
        EDX.set(memory, offset, edx);
    }
}
