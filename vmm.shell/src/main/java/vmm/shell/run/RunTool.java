package vmm.shell.run;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.DeviceType;
import vmm.core.hypervisor.Hypervisor;
import vmm.core.machine.Machines;
import vmm.shell.internal.tty.Tty;

/**
 * {@code ./vmm run}: one machine without the OSGi framework. The product's bundles are a plain
 * class path and the accelerators are found with {@link ServiceLoader}, which starts a guest
 * faster than starting Felix and needs nothing of the shell.
 */
public final class RunTool {

    private static final Logger LOG = LoggerFactory.getLogger(RunTool.class);

    private RunTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        // Unbuffered serial output: a guest's prompt must appear before its newline.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        if (!Tty.stdinIsTerminal()) {
            return MachineRunner.run(args, config -> Machines.create(config, accelerators(), deviceTypes()), out,
                    System.err, System.in);
        }
        // On a terminal, keys go to the guest as typed and its shell does the echo, as with
        // QEMU's -serial stdio; Ctrl+C still stops the VMM. The modes come back however it ends.
        Tty.Restore mode = Tty.set(Tty.CHARACTERS);
        Thread restore = new Thread(mode::close, "vmm-tty-restore");
        Runtime.getRuntime().addShutdownHook(restore);
        try {
            return MachineRunner.run(args, config -> Machines.create(config, accelerators(), deviceTypes()), out,
                    System.err, System.in);
        } finally {
            mode.close();
            Runtime.getRuntime().removeShutdownHook(restore);
        }
    }

    /** The device types on the class path ({@code --device} names them). */
    static List<DeviceType> deviceTypes() {
        List<DeviceType> found = new ArrayList<>();
        var it = ServiceLoader.load(DeviceType.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return found;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                LOG.warn("a device type could not be loaded: {}", e.getMessage());
            }
        }
    }

    static List<Hypervisor> accelerators() {
        List<Hypervisor> found = new ArrayList<>();
        var it = ServiceLoader.load(Hypervisor.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return found;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                LOG.warn("an accelerator could not be loaded: {}", e.getMessage());
            }
        }
    }
}
