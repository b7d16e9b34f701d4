package vmm.core.internal.machine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.hypervisor.VcpuExit;
import vmm.core.hypervisor.state.VcpuState;

/**
 * One vCPU's loop: park while the machine says so, run guest code, act on the exit. Whatever
 * happens in here ends as an outcome of the machine (a crash report at worst), never as a
 * silently dead thread that leaves the VMM hanging.
 */
final class VcpuThread implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(VcpuThread.class);
    private static final long HALT_WAIT_NANOS = 10_000_000;

    private final PcMachine machine;
    private final int index;
    private final AcceleratedVcpu vcpu;

    VcpuThread(PcMachine machine, int index, AcceleratedVcpu vcpu) {
        this.machine = machine;
        this.index = index;
        this.vcpu = vcpu;
    }

    @Override
    public void run() {
        machine.vcpuThreadStarted(index);
        try {
            while (machine.await()) {
                VcpuExit exit = vcpu.run();
                switch (exit) {
                    case VcpuExit.Kicked k -> {
                        // The top of the loop sees what the machine wants.
                    }
                    case VcpuExit.Halted h -> halted();
                    case VcpuExit.TripleFault t -> machine.tripleFault(index,
                            CrashReport.format(index, "triple fault: " + t.detail(), t.state(), null, machine.memory()));
                    case VcpuExit.InternalError e -> machine.crashed("accelerator error: " + e.message(),
                            CrashReport.format(index, e.message(), e.state(), e.bytes(), machine.memory()));
                    case VcpuExit.SystemEvent s -> systemEvent(s.kind());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            machine.crashed("vCPU " + index + " was interrupted", "");
        } catch (RuntimeException | Error e) {
            LOG.error("vCPU {} failed", index, e);
            machine.crashed("vCPU " + index + " failed: " + e,
                    CrashReport.format(index, e.toString(), stateOrNull(), null, machine.memory()));
        } finally {
            machine.vcpuEnded();
        }
    }

    /** HLT returned to us: only an accelerator without an in-kernel irqchip does that. */
    private void halted() throws InterruptedException {
        InterruptPort port = machine.board().interrupts(index);
        if (port != null) {
            port.await(HALT_WAIT_NANOS);
        } else {
            machine.idle();
        }
    }

    private void systemEvent(String kind) {
        switch (kind) {
            case "shutdown", "poweroff" -> machine.powerOffRequested();
            case "reset" -> machine.resetRequested("vCPU " + index + " system event");
            default -> machine.crashed("vCPU " + index + " system event " + kind,
                    CrashReport.format(index, "system event " + kind, stateOrNull(), null, machine.memory()));
        }
    }

    private VcpuState stateOrNull() {
        try {
            return vcpu.state();
        } catch (RuntimeException e) {
            LOG.warn("vCPU {}: no state for the crash report: {}", index, e.toString());
            return null;
        }
    }
}
