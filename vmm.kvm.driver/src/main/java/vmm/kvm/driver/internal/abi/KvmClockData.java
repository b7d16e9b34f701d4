package vmm.kvm.driver.internal.abi;

import static vmm.kvm.driver.internal.abi.CTypes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * struct kvm_clock_data: the guest's kvmclock in nanoseconds, saved and restored so that
 * guest time does not jump across a pause or migration. {@code realtime} and {@code hostTsc}
 * are valid when {@code flags} has {@link #KVM_CLOCK_REALTIME} / {@link #KVM_CLOCK_HOST_TSC}.
 */
public record KvmClockData(long clock, int flags, long realtime, long hostTsc) {

    public static final int KVM_CLOCK_TSC_STABLE = 2;
    public static final int KVM_CLOCK_REALTIME = 1 << 2;
    public static final int KVM_CLOCK_HOST_TSC = 1 << 3;

    public static final StructLayout LAYOUT = struct("kvm_clock_data",
            u64("clock"), u32("flags"), u32("pad0"), u64("realtime"), u64("host_tsc"), array("pad", 4, U32));

    private static final VarHandle CLOCK = StructFields.handle(LAYOUT, "clock");
    private static final VarHandle FLAGS = StructFields.handle(LAYOUT, "flags");
    private static final VarHandle REALTIME = StructFields.handle(LAYOUT, "realtime");
    private static final VarHandle HOST_TSC = StructFields.handle(LAYOUT, "host_tsc");

    public static KvmClockData read(MemorySegment s) {
        return new KvmClockData((long) CLOCK.get(s, 0L), (int) FLAGS.get(s, 0L),
                (long) REALTIME.get(s, 0L), (long) HOST_TSC.get(s, 0L));
    }

    public MemorySegment toSegment(SegmentAllocator allocator) {
        MemorySegment s = allocator.allocate(LAYOUT);
        CLOCK.set(s, 0L, clock);
        FLAGS.set(s, 0L, flags);
        REALTIME.set(s, 0L, realtime);
        HOST_TSC.set(s, 0L, hostTsc);
        return s;
    }
}
