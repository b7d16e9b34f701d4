package vmm.core.hypervisor;

/**
 * An accelerator that runs guest code (KVM today; another one would be another bundle).
 * Registered as a service by the bundle that drives it.
 */
public interface Hypervisor {

    /** Short name, as in QEMU's {@code -accel} ({@code kvm}). */
    String name();

    /** Whether this host can run guests with it now, and why not when it cannot. */
    HypervisorStatus status();
}
