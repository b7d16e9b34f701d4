package vmm.shell.run;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import vmm.core.machine.MachineFactory;

/**
 * {@code vmm:run}: the same options as {@code ./vmm run}, with the machine built by the
 * framework's {@link MachineFactory} (so hot-deployed accelerators are used). The console is
 * the session's output; the shell keeps its input.
 */
@Component(service = RunCommand.class, property = {"osgi.command.scope=vmm", "osgi.command.function=run"})
public final class RunCommand {

    private final MachineFactory machines;

    @Activate
    public RunCommand(@Reference MachineFactory machines) {
        this.machines = machines;
    }

    @Descriptor("run a guest kernel in the foreground: --kernel FILE [--initrd F] [--append S] [--memory SIZE]"
            + " [--cpus N] [--accel kvm|emu|auto] [--no-reboot]")
    public void run(String... args) throws GuestExitException {
        int status = MachineRunner.run(args, machines::create, System.out, System.err, null);
        if (status != 0) {
            throw new GuestExitException(status);
        }
    }

    /** A non-zero status (a debug-exit value, a crash, a failed start), so scripts and -c stop on it. */
    public static final class GuestExitException extends Exception {
        private static final long serialVersionUID = 1L;

        GuestExitException(int status) {
            super("vmm:run ended with status " + status);
        }
    }
}
