package vmm.core.domain;

/**
 * One vCPU of an active domain, as virsh's vcpuinfo prints it.
 *
 * @param vcpu      the vCPU's index
 * @param hostCpu   the host CPU it last ran on, or -1 when unknown
 * @param cpuTimeNs CPU time it used, in nanoseconds (0 when unknown)
 */
public record VcpuInfo(int vcpu, int hostCpu, long cpuTimeNs) {
}
