package vmm.shell.run;

import java.io.InputStream;
import java.io.PrintStream;

import vmm.core.machine.Console;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineException;
import vmm.core.machine.MachineExit;

/** Runs one machine in the foreground to its end and turns the outcome into an exit status. */
final class MachineRunner {

    interface Factory {
        Machine create(vmm.core.machine.MachineConfig config) throws MachineException;
    }

    private MachineRunner() {
    }

    static int run(String[] args, Factory factory, PrintStream out, PrintStream err, InputStream in) {
        RunOptions options;
        try {
            options = RunOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("vmm run: " + e.getMessage() + " (try --help)");
            return RunOptions.STATUS_USAGE;
        }
        if (options.help()) {
            out.print(RunOptions.USAGE);
            return 0;
        }
        try (Machine machine = factory.create(options.config().console(new Console(out, in)).build())) {
            err.println("vmm run: accelerator " + machine.accelerator().name() + " (" + machine.accelerator().reason() + ")");
            machine.start();
            MachineExit exit = machine.awaitExit();
            out.flush();
            if (exit instanceof MachineExit.Crashed c) {
                err.println("vmm run: the guest crashed: " + c.reason());
                err.print(c.report());
            }
            return exit.status();
        } catch (MachineException e) {
            err.println("vmm run: " + e.getMessage());
            return RunOptions.STATUS_NOT_STARTED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("vmm run: interrupted");
            return RunOptions.STATUS_NOT_STARTED;
        }
    }
}
