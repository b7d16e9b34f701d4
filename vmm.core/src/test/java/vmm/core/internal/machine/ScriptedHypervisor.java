package vmm.core.internal.machine;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.Hypervisor;
import vmm.core.hypervisor.HypervisorStatus;
import vmm.core.hypervisor.VcpuExit;
import vmm.core.hypervisor.VmPlatform;
import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.FpuState;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuState;

/**
 * An accelerator whose "guest code" is a Java function of (vCPU, platform): each run() calls it
 * once; it may touch the buses like a guest would and returns an exit, or null to run on.
 * Tests the machine's control paths without a CPU.
 */
final class ScriptedHypervisor implements Hypervisor {

    /** The guest program: called with the vCPU on every run(). */
    interface Program extends BiFunction<ScriptedVcpu, VmPlatform, VcpuExit> {
    }

    private final String name;
    private final boolean available;
    private final Program program;
    volatile int resets;

    ScriptedHypervisor(String name, boolean available, Program program) {
        this.name = name;
        this.available = available;
        this.program = program;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public HypervisorStatus status() {
        return available ? new HypervisorStatus(true, 1, name + " ready") : new HypervisorStatus(false, -1, name + ": ENOENT");
    }

    @Override
    public boolean hasInKernelIrqchip() {
        return false;
    }

    @Override
    public AcceleratedVm createVm(VmPlatform platform) {
        return new AcceleratedVm() {
            @Override
            public AcceleratedVcpu createVcpu(int index) {
                return new ScriptedVcpu(index, platform);
            }

            @Override
            public void close() {
            }
        };
    }

    static VcpuState powerOn() {
        Segment cs = new Segment(0xf000, 0xffff0000L, 0xffff, 0x9b);
        Segment ds = Segment.real(0, 0x93);
        return new VcpuState(new Registers(new long[16], 0xfff0, 2),
                new SystemRegisters(cs, ds, ds, ds, ds, ds, new Segment(0, 0, 0xffff, 0x8b),
                        new Segment(0, 0, 0xffff, 0x82), new DescriptorTable(0, 0xffff), new DescriptorTable(0, 0xffff),
                        0x60000010L, 0, 0, 0, 0, 0, 0xfee00900L),
                Map.of(), new FpuState(new byte[512]), new byte[0], false, false, false);
    }

    final class ScriptedVcpu implements AcceleratedVcpu {
        final int index;
        final VmPlatform platform;
        final AtomicBoolean kicked = new AtomicBoolean();
        volatile VcpuState state = powerOn();
        volatile long runs;

        ScriptedVcpu(int index, VmPlatform platform) {
            this.index = index;
            this.platform = platform;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public VcpuExit run() {
            while (true) {
                if (kicked.getAndSet(false)) {
                    return new VcpuExit.Kicked();
                }
                runs++;
                VcpuExit exit = program.apply(this, platform);
                if (exit != null) {
                    return exit;
                }
                Thread.onSpinWait();
            }
        }

        @Override
        public void kick() {
            kicked.set(true);
        }

        @Override
        public VcpuState state() {
            return state;
        }

        @Override
        public void setState(VcpuState s) {
            state = s;
        }

        @Override
        public void reset() {
            if (index == 0) {
                resets++;
            }
            state = powerOn();
        }

        @Override
        public void close() {
        }
    }
}
