package vmm.kvm.driver.internal;

import java.util.Arrays;
import java.util.HexFormat;

/** Why KVM_RUN returned: kvm_run.exit_reason with the exit union member that goes with it. */
public sealed interface VcpuExit {

    /**
     * Port I/O: {@code count} accesses of {@code size} bytes each at {@code port}. The data
     * is in the kvm_run mapping at {@code dataOffset}: read it for OUT, fill it for IN.
     */
    record Io(int direction, int size, int port, int count, long dataOffset) implements VcpuExit {
        public static final int IN = 0;
        public static final int OUT = 1;

        public boolean isOut() {
            return direction == OUT;
        }
    }

    /**
     * A guest access to unbacked (or read-only) guest-physical memory. For a write,
     * {@code data} holds the {@code len} bytes written; for a read, the VMM puts the value
     * back into kvm_run before the next KVM_RUN.
     */
    record Mmio(long physAddr, byte[] data, int len, boolean isWrite) implements VcpuExit {
        public Mmio {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Mmio m && m.physAddr == physAddr && m.len == len && m.isWrite == isWrite
                    && Arrays.equals(m.data, data);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(physAddr) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Mmio[physAddr=0x" + Long.toHexString(physAddr) + ", data=" + HexFormat.of().formatHex(data)
                    + ", len=" + len + ", isWrite=" + isWrite + "]";
        }
    }

    /** The guest executed HLT with no in-kernel local APIC to wait for interrupts. */
    record Hlt() implements VcpuExit {
    }

    /** Triple fault, or an explicit shutdown: the guest cannot continue. */
    record Shutdown() implements VcpuExit {
    }

    /** KVM could not go on (suberror 1: an instruction it could not emulate); data is for the log. */
    record InternalError(int suberror, long[] data) implements VcpuExit {
        public InternalError {
            data = data.clone();
        }

        @Override
        public long[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof InternalError e && e.suberror == suberror && Arrays.equals(e.data, data);
        }

        @Override
        public int hashCode() {
            return suberror * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("InternalError[suberror=").append(suberror).append(", data=[");
            for (int i = 0; i < data.length; i++) {
                b.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(data[i]));
            }
            return b.append("]]").toString();
        }
    }

    /**
     * A platform event (shutdown, reset, crash). {@code flags} is the union's first word as
     * older kernels define it; {@code data} has the {@code ndata} words newer kernels report.
     */
    record SystemEvent(int type, long flags, long[] data) implements VcpuExit {
        public SystemEvent {
            data = data.clone();
        }

        @Override
        public long[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SystemEvent e && e.type == type && e.flags == flags && Arrays.equals(e.data, data);
        }

        @Override
        public int hashCode() {
            return type * 31 + Long.hashCode(flags) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "SystemEvent[type=" + type + ", flags=0x" + Long.toHexString(flags) + ", data="
                    + Arrays.toString(data) + "]";
        }
    }

    /** VM entry failed; the reason is the hardware's (VMX exit qualification, SVM exit code). */
    record FailEntry(long hardwareEntryFailureReason, int cpu) implements VcpuExit {
    }

    /** The guest can take an interrupt now (requested with request_interrupt_window). */
    record IrqWindowOpen() implements VcpuExit {
    }

    /** KVM_RUN was interrupted by a signal or by immediate_exit: nothing happened in the guest. */
    record Intr() implements VcpuExit {
    }

    /** A guest debug event (breakpoint, single step) requested through KVM_SET_GUEST_DEBUG. */
    record Debug(int exception, long pc, long dr6, long dr7) implements VcpuExit {
    }

    /**
     * Any other exit reason. For KVM_EXIT_UNKNOWN (0) {@code hardwareExitReason} is
     * hw.hardware_exit_reason; for other reasons it is the raw first word of the union.
     */
    record Unknown(int reason, long hardwareExitReason) implements VcpuExit {
    }
}
