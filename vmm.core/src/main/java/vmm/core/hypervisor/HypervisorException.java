package vmm.core.hypervisor;

/** An accelerator could not do what was asked; the message names the step and the cause. */
public class HypervisorException extends Exception {
    private static final long serialVersionUID = 1L;

    public HypervisorException(String message) {
        super(message);
    }

    public HypervisorException(String message, Throwable cause) {
        super(message, cause);
    }
}
