package vmm.kvm.driver.internal;

import static vmm.kvm.driver.internal.abi.KvmExitReasons.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import vmm.kvm.driver.internal.abi.KvmRun;

/** Reads a kvm_run image (the vCPU's mapping, or any copy of it) into a {@link VcpuExit}. */
public final class VcpuExitDecoder {
    private VcpuExitDecoder() {
    }

    public static VcpuExit decode(MemorySegment run) {
        int reason = (int) KvmRun.EXIT_REASON.get(run, 0L);
        return switch (reason) {
            case KVM_EXIT_IO -> new VcpuExit.Io(
                    u8(KvmRun.IO_DIRECTION, run), u8(KvmRun.IO_SIZE, run),
                    Short.toUnsignedInt((short) KvmRun.IO_PORT.get(run, 0L)),
                    (int) KvmRun.IO_COUNT.get(run, 0L),
                    (long) KvmRun.IO_DATA_OFFSET.get(run, 0L));
            case KVM_EXIT_MMIO -> mmio(run);
            case KVM_EXIT_HLT -> new VcpuExit.Hlt();
            case KVM_EXIT_SHUTDOWN -> new VcpuExit.Shutdown();
            case KVM_EXIT_INTERNAL_ERROR -> new VcpuExit.InternalError(
                    (int) KvmRun.INTERNAL_SUBERROR.get(run, 0L),
                    words(KvmRun.INTERNAL_DATA, run, (int) KvmRun.INTERNAL_NDATA.get(run, 0L), KvmRun.INTERNAL_DATA_MAX));
            case KVM_EXIT_SYSTEM_EVENT -> new VcpuExit.SystemEvent(
                    (int) KvmRun.SYSTEM_EVENT_TYPE.get(run, 0L),
                    (long) KvmRun.SYSTEM_EVENT_FLAGS.get(run, 0L),
                    words(KvmRun.SYSTEM_EVENT_DATA, run, (int) KvmRun.SYSTEM_EVENT_NDATA.get(run, 0L),
                            KvmRun.SYSTEM_EVENT_DATA_MAX));
            case KVM_EXIT_FAIL_ENTRY -> new VcpuExit.FailEntry(
                    (long) KvmRun.FAIL_ENTRY_REASON.get(run, 0L), (int) KvmRun.FAIL_ENTRY_CPU.get(run, 0L));
            case KVM_EXIT_IRQ_WINDOW_OPEN -> new VcpuExit.IrqWindowOpen();
            case KVM_EXIT_INTR -> new VcpuExit.Intr();
            case KVM_EXIT_DEBUG -> new VcpuExit.Debug(
                    (int) KvmRun.DEBUG_EXCEPTION.get(run, 0L), (long) KvmRun.DEBUG_PC.get(run, 0L),
                    (long) KvmRun.DEBUG_DR6.get(run, 0L), (long) KvmRun.DEBUG_DR7.get(run, 0L));
            default -> new VcpuExit.Unknown(reason, (long) KvmRun.HW_HARDWARE_EXIT_REASON.get(run, 0L));
        };
    }

    private static VcpuExit mmio(MemorySegment run) {
        int len = (int) KvmRun.MMIO_LEN.get(run, 0L);
        // len comes from the kernel and is at most 8; clamping keeps a corrupt image from
        // reading past the union.
        int n = Math.clamp(len, 0, KvmRun.MMIO_DATA_SIZE);
        byte[] data = run.asSlice(KvmRun.MMIO_DATA_OFFSET, n).toArray(ValueLayout.JAVA_BYTE);
        return new VcpuExit.Mmio((long) KvmRun.MMIO_PHYS_ADDR.get(run, 0L), data, len,
                (byte) KvmRun.MMIO_IS_WRITE.get(run, 0L) != 0);
    }

    private static int u8(VarHandle h, MemorySegment run) {
        return Byte.toUnsignedInt((byte) h.get(run, 0L));
    }

    private static long[] words(VarHandle indexed, MemorySegment run, int ndata, int max) {
        int n = Math.clamp(Integer.toUnsignedLong(ndata), 0, max);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = (long) indexed.get(run, 0L, (long) i);
        }
        return out;
    }
}
