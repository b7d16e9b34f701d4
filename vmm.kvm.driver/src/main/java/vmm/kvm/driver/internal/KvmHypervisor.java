package vmm.kvm.driver.internal;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.hypervisor.Hypervisor;
import vmm.core.hypervisor.HypervisorStatus;

/**
 * KVM as the core's accelerator. Probing opens /dev/kvm and asks its API version: the
 * answer (or the errno that stopped it) is what {@code vmm:hypervisor} shows.
 */
@Component(service = Hypervisor.class, property = "vmm.hypervisor=kvm")
public final class KvmHypervisor implements Hypervisor {
    private static final Logger LOG = LoggerFactory.getLogger(KvmHypervisor.class);

    static final String DEVICE = "/dev/kvm";
    /** _IO(KVMIO, 0x00): KVMIO is 0xAE. */
    static final long KVM_GET_API_VERSION = 0xAE00;
    /** The only stable KVM API version since Linux 2.6.22. */
    static final int SUPPORTED_API = 12;

    private final String device;

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
        int fd;
        try {
            fd = Libc.open(device, Libc.O_RDWR | Libc.O_CLOEXEC);
        } catch (NativeCallException e) {
            LOG.warn("KVM unavailable: {}", e.getMessage());
            return new HypervisorStatus(false, -1, e.getMessage());
        }
        try {
            int version = Libc.ioctl(fd, "KVM_GET_API_VERSION", KVM_GET_API_VERSION, 0);
            if (version != SUPPORTED_API) {
                return new HypervisorStatus(false, version,
                        device + ": KVM API version " + version + ", this VMM needs " + SUPPORTED_API);
            }
            return new HypervisorStatus(true, version, device + ": KVM API version " + version);
        } catch (NativeCallException e) {
            return new HypervisorStatus(false, -1, e.getMessage());
        } finally {
            try {
                Libc.close(fd);
            } catch (NativeCallException e) {
                LOG.warn("{}", e.getMessage());
            }
        }
    }
}
