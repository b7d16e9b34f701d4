/**
 * KVM through the FFM API, for x86-64 hosts.
 *
 * <p>{@link vmm.kvm.driver.internal.KvmSystem} is the /dev/kvm descriptor and creates a
 * {@link vmm.kvm.driver.internal.KvmVm}, which creates {@link vmm.kvm.driver.internal.KvmVcpu}s;
 * each owns its descriptor (and a vCPU its kvm_run mapping) and releases it on close.
 * {@link vmm.kvm.driver.internal.KvmVcpu#run()} returns a {@link vmm.kvm.driver.internal.VcpuExit}.
 * Failures of the kernel are {@link vmm.kvm.driver.internal.NativeCallException}s whose message
 * names the request and its argument, then the errno, so a log line alone says what went wrong.
 * Structure layouts and request numbers are in the {@code abi} sub-package.
 */
package vmm.kvm.driver.internal;
