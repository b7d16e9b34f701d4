package vmm.kvm.driver.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.Hypervisor;
import vmm.core.hypervisor.HypervisorException;
import vmm.core.hypervisor.HypervisorStatus;
import vmm.core.hypervisor.VmPlatform;

/**
 * KVM as the core's accelerator. Probing opens /dev/kvm and asks its API version: the
 * answer (or the errno that stopped it) is what {@code vmm:hypervisor} shows.
 */
@Component(service = Hypervisor.class, property = "vmm.hypervisor=kvm", configurationPid = "vmm.kvm")
@Designate(ocd = KvmConfig.class)
public final class KvmHypervisor implements Hypervisor {
    private static final Logger LOG = LoggerFactory.getLogger(KvmHypervisor.class);

    static final String DEVICE = KvmSystem.DEVICE;

    private final String device;

    @Activate
    public KvmHypervisor(KvmConfig config) {
        this(config.device());
    }

    /** For ServiceLoader (the plain class path of {@code ./vmm run}): the default device. */
    public KvmHypervisor() {
        this(DEVICE);
    }

    KvmHypervisor(String device) {
        this.device = device;
    }

    @Override
    public String name() {
        return "kvm";
    }

    @Override
    public HypervisorStatus status() {
        try (KvmSystem kvm = KvmSystem.open(device)) {
            return new HypervisorStatus(true, kvm.apiVersion(), device + ": KVM API version " + kvm.apiVersion());
        } catch (NativeCallException | KvmException e) {
            LOG.warn("KVM unavailable: {}", e.getMessage());
            return new HypervisorStatus(false, -1, e.getMessage());
        }
    }

    @Override
    public boolean hasInKernelIrqchip() {
        return true;
    }

    @Override
    public AcceleratedVm createVm(VmPlatform platform) throws HypervisorException {
        return KvmAcceleratedVm.create(device, platform);
    }
}
