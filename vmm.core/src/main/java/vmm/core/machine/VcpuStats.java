package vmm.core.machine;

/**
 * What one vCPU of a running machine has used, as libvirt's vcpuinfo and domstats report it.
 *
 * @param vcpu      the vCPU's index
 * @param cpuTimeNs CPU time its thread has used, in nanoseconds (0 when the host cannot tell)
 * @param hostCpu   the host CPU its thread last ran on, or -1 when the host cannot tell
 */
public record VcpuStats(int vcpu, long cpuTimeNs, int hostCpu) {
}
