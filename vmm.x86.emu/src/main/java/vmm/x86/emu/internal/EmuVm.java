package vmm.x86.emu.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.HypervisorException;
import vmm.core.hypervisor.VmPlatform;
import vmm.x86.emu.internal.cpu.PhysMem;

/** A VM on the software CPU: the shared physical memory view and the vCPUs. */
final class EmuVm implements AcceleratedVm {
    private final VmPlatform platform;
    private final PhysMem phys;
    private final Map<Integer, EmuVcpu> vcpus = new ConcurrentHashMap<>();
    /** One TSC origin for every vCPU: their TSCs agree unless the guest writes one (Linux checks for warps). */
    private final long tscEpochNanos = System.nanoTime();

    EmuVm(VmPlatform platform) {
        this.platform = platform;
        this.phys = new PhysMem(platform.memory(), platform.mmio());
    }

    @Override
    public AcceleratedVcpu createVcpu(int index) throws HypervisorException {
        if (index < 0 || (platform.vcpuCount() > 0 && index >= platform.vcpuCount())) {
            throw new HypervisorException("emu: vCPU index " + index + " outside 0.." + (platform.vcpuCount() - 1));
        }
        EmuVcpu v = new EmuVcpu(index, platform, phys, tscEpochNanos);
        if (vcpus.putIfAbsent(index, v) != null) {
            throw new HypervisorException("emu: vCPU " + index + " already exists");
        }
        return v;
    }

    @Override
    public void invalidateCode(long gpa, long length) {
        phys.invalidateRange(gpa, length);
    }

    @Override
    public void close() {
        vcpus.clear();
    }
}
