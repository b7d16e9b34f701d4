package vmm.core.hypervisor.state;

/**
 * Events in flight at an instruction boundary, which the registers do not show. A software CPU
 * delivers exceptions and interrupts within one step, so it only has the NMI part; KVM may stop
 * in the middle of a delivery and reports (and takes back) the rest.
 *
 * @param nmiBlocked         an NMI handler runs: further NMIs wait for its IRET
 * @param nmiPending         an NMI arrived and waits to be delivered (while blocked: after the IRET)
 * @param nmiInjected        an NMI's delivery began and is to be completed
 * @param exceptionVector    an exception whose delivery began, or -1
 * @param exceptionHasErrorCode whether that exception pushes {@code exceptionErrorCode}
 * @param exceptionErrorCode its error code
 * @param interruptVector    an external or software interrupt whose delivery began, or -1
 * @param softInterrupt      that interrupt is INT n (its return address is after the instruction)
 */
public record VcpuEvents(boolean nmiBlocked, boolean nmiPending, boolean nmiInjected, int exceptionVector,
                         boolean exceptionHasErrorCode, int exceptionErrorCode, int interruptVector,
                         boolean softInterrupt) {
    /** Nothing in flight. */
    public static final VcpuEvents NONE = new VcpuEvents(false, false, false, -1, false, 0, -1, false);

    public VcpuEvents {
        if (exceptionVector < -1 || exceptionVector > 31) {
            throw new IllegalArgumentException("exception vector " + exceptionVector + " (0-31, or -1 for none)");
        }
        if (interruptVector < -1 || interruptVector > 255) {
            throw new IllegalArgumentException("interrupt vector " + interruptVector + " (0-255, or -1 for none)");
        }
    }
}
