package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One model-specific register and its value, and the kvm_msrs / kvm_msr_list structures
 * that carry them: a count followed by a flexible array.
 */
public record KvmMsrEntry(int index, long data) {

    public static final StructLayout LAYOUT = struct("kvm_msr_entry", u32("index"), u32("reserved"), u64("data"));

    public static final StructLayout MSRS = struct("kvm_msrs", u32("nmsrs"), u32("pad"), flexibleArray("entries", LAYOUT));

    public static final StructLayout MSR_LIST = struct("kvm_msr_list", u32("nmsrs"), flexibleArray("indices", U32));

    private static final VarHandle NMSRS = StructFields.handle(MSRS, "nmsrs");
    private static final long ENTRIES = StructFields.offset(MSRS, "entries");
    private static final VarHandle INDEX = StructFields.handle(LAYOUT, "index");
    private static final VarHandle DATA = StructFields.handle(LAYOUT, "data");

    private static final VarHandle LIST_NMSRS = StructFields.handle(MSR_LIST, "nmsrs");
    private static final long LIST_INDICES = StructFields.offset(MSR_LIST, "indices");

    /** A kvm_msrs holding {@code entries}. */
    public static MemorySegment msrs(SegmentAllocator allocator, List<KvmMsrEntry> entries) {
        MemorySegment s = allocator.allocate(ENTRIES + entries.size() * LAYOUT.byteSize(), MSRS.byteAlignment());
        NMSRS.set(s, 0L, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            long at = ENTRIES + i * LAYOUT.byteSize();
            INDEX.set(s, at, entries.get(i).index());
            DATA.set(s, at, entries.get(i).data());
        }
        return s;
    }

    /** The first {@code count} entries of a kvm_msrs (KVM says how many it filled in). */
    public static List<KvmMsrEntry> entries(MemorySegment msrs, int count) {
        int n = Math.min(count, (int) NMSRS.get(msrs, 0L));
        List<KvmMsrEntry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long at = ENTRIES + i * LAYOUT.byteSize();
            out.add(new KvmMsrEntry((int) INDEX.get(msrs, at), (long) DATA.get(msrs, at)));
        }
        return out;
    }

    /** A kvm_msr_list with room for {@code capacity} indices. */
    public static MemorySegment msrList(SegmentAllocator allocator, int capacity) {
        MemorySegment s = allocator.allocate(LIST_INDICES + capacity * U32.byteSize(), MSR_LIST.byteAlignment());
        LIST_NMSRS.set(s, 0L, capacity);
        return s;
    }

    public static int msrListCount(MemorySegment list) {
        return (int) LIST_NMSRS.get(list, 0L);
    }

    public static int[] msrListIndices(MemorySegment list) {
        int n = msrListCount(list);
        return list.asSlice(LIST_INDICES, n * U32.byteSize()).toArray(U32);
    }
}
