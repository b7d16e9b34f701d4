package vmm.core.hypervisor;

import vmm.core.hypervisor.state.VcpuState;

/** Why {@link AcceleratedVcpu#run()} returned. */
public sealed interface VcpuExit {

    /** {@link AcceleratedVcpu#kick()} was called (pause, stop, reset, state capture). */
    record Kicked() implements VcpuExit {
    }

    /**
     * The vCPU executed HLT and the accelerator does not wait for interrupts itself (the
     * software CPU waits inside {@code run()} and does not return this).
     */
    record Halted() implements VcpuExit {
    }

    /** A triple fault: on a PC this resets the machine, or the VM is reported crashed. */
    record TripleFault(VcpuState state, String detail) implements VcpuExit {
    }

    /** The accelerator could not go on; the VM is crashed. {@code bytes} are at RIP, if readable. */
    record InternalError(String message, VcpuState state, byte[] bytes) implements VcpuExit {
    }

    /** The vCPU asked for a shutdown that is not a device's doing (KVM_EXIT_SHUTDOWN, system event). */
    record SystemEvent(String kind) implements VcpuExit {
    }
}
