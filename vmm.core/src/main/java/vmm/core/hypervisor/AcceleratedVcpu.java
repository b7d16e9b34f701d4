package vmm.core.hypervisor;

import vmm.core.hypervisor.state.VcpuState;

/**
 * One virtual CPU. {@link #run()} is called from the vCPU's own thread; it runs guest code
 * (doing port and MMIO accesses on the platform's buses itself) until something happens that
 * the machine must handle, and says what as a {@link VcpuExit}.
 */
public interface AcceleratedVcpu extends AutoCloseable {

    int index();

    /** Runs until an exit; never throws for anything the guest did. */
    VcpuExit run();

    /** From any thread: makes a running or sleeping {@link #run()} return {@link VcpuExit.Kicked} soon. */
    void kick();

    /** The architectural state. Only while the vCPU is not inside {@link #run()}. */
    VcpuState state();

    /** Replaces the architectural state. Only while the vCPU is not inside {@link #run()}. */
    void setState(VcpuState state);

    /** Puts the vCPU in its power-on state (the BSP at the reset vector, an AP waiting for SIPI). */
    void reset();

    @Override
    void close();
}
