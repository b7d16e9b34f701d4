package vmm.x86.emu.internal;

import org.osgi.service.component.annotations.Component;

import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.Hypervisor;
import vmm.core.hypervisor.HypervisorException;
import vmm.core.hypervisor.HypervisorStatus;
import vmm.core.hypervisor.VmPlatform;

/** The software x86-64 CPU as an accelerator: always available, no in-kernel irqchip. */
@Component(service = Hypervisor.class, property = Hypervisor.PROPERTY + "=emu")
public final class EmuHypervisor implements Hypervisor {

    public EmuHypervisor() {
    }

    @Override
    public String name() {
        return "emu";
    }

    @Override
    public HypervisorStatus status() {
        return new HypervisorStatus(true, 1, "software x86-64 CPU");
    }

    @Override
    public boolean hasInKernelIrqchip() {
        return false;
    }

    @Override
    public AcceleratedVm createVm(VmPlatform platform) throws HypervisorException {
        if (platform == null || platform.memory() == null) {
            throw new HypervisorException("emu: creating a VM needs a platform with guest memory");
        }
        try {
            return new EmuVm(platform);
        } catch (RuntimeException e) {
            throw new HypervisorException("emu: creating the VM failed: " + e.getMessage(), e);
        }
    }
}
