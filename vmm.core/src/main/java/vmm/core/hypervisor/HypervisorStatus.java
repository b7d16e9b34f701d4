package vmm.core.hypervisor;

/**
 * What a {@link Hypervisor} found when it probed the host.
 *
 * @param available  true when guests can be created
 * @param apiVersion the accelerator's API version, or -1 when unavailable
 * @param detail     one line for humans: the device and version, or the reason it is unusable
 */
public record HypervisorStatus(boolean available, int apiVersion, String detail) {
}
