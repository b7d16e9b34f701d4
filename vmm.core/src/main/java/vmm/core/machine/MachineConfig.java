package vmm.core.machine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a machine is made of.
 *
 * @param memoryBytes RAM, at least 2 MiB
 * @param cpus        vCPUs, 1 to {@link #MAX_CPUS}
 * @param kernel      a bzImage, a PVH vmlinux or a multiboot kernel (told apart as QEMU's -kernel)
 * @param initrd      the initrd (Linux), or QEMU's multiboot module list ("file args,file2"); null for none
 * @param commandLine the kernel command line, empty for none
 * @param accelerator {@code kvm}, {@code emu} or {@code auto}
 * @param console     where COM1 goes
 * @param reboot      what a guest reset does
 * @param devices     devices plugged in as PCI functions on bus 0, in order (QEMU's -device)
 */
public record MachineConfig(long memoryBytes, int cpus, Path kernel, String initrd, String commandLine,
                            String accelerator, Console console, RebootPolicy reboot, List<DeviceSpec> devices) {

    public static final int MAX_CPUS = 64;
    public static final long MIN_MEMORY = 2L << 20;

    public MachineConfig {
        Objects.requireNonNull(kernel, "kernel");
        if (memoryBytes < MIN_MEMORY) {
            throw new IllegalArgumentException("memory " + memoryBytes + " bytes is below the minimum of 2 MiB");
        }
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new IllegalArgumentException(cpus + " vCPUs asked for; 1 to " + MAX_CPUS + " are supported");
        }
        commandLine = commandLine == null ? "" : commandLine;
        accelerator = accelerator == null ? AcceleratorChoice.AUTO : accelerator;
        console = console == null ? Console.none() : console;
        reboot = reboot == null ? RebootPolicy.RESET : reboot;
        devices = devices == null ? List.of() : List.copyOf(devices);
    }

    /** A machine without configured devices. */
    public MachineConfig(long memoryBytes, int cpus, Path kernel, String initrd, String commandLine,
                         String accelerator, Console console, RebootPolicy reboot) {
        this(memoryBytes, cpus, kernel, initrd, commandLine, accelerator, console, reboot, List.of());
    }

    public static Builder builder(Path kernel) {
        return new Builder(kernel);
    }

    /** Defaults as QEMU's: 128 MiB, one vCPU, auto accelerator, no console, reboot on reset. */
    public static final class Builder {
        private final Path kernel;
        private long memory = 128L << 20;
        private int cpus = 1;
        private String initrd;
        private String commandLine = "";
        private String accelerator = AcceleratorChoice.AUTO;
        private Console console = Console.none();
        private RebootPolicy reboot = RebootPolicy.RESET;
        private final List<DeviceSpec> devices = new ArrayList<>();

        private Builder(Path kernel) {
            this.kernel = kernel;
        }

        public Builder memory(long bytes) {
            this.memory = bytes;
            return this;
        }

        public Builder cpus(int n) {
            this.cpus = n;
            return this;
        }

        public Builder initrd(String initrd) {
            this.initrd = initrd;
            return this;
        }

        public Builder commandLine(String line) {
            this.commandLine = line;
            return this;
        }

        public Builder accelerator(String name) {
            this.accelerator = name;
            return this;
        }

        public Builder console(Console c) {
            this.console = c;
            return this;
        }

        public Builder reboot(RebootPolicy policy) {
            this.reboot = policy;
            return this;
        }

        /** Adds a device; devices take PCI slots in the order added. */
        public Builder device(DeviceSpec spec) {
            this.devices.add(Objects.requireNonNull(spec, "spec"));
            return this;
        }

        public MachineConfig build() {
            return new MachineConfig(memory, cpus, kernel, initrd, commandLine, accelerator, console, reboot, devices);
        }
    }
}
