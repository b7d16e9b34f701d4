package vmm.shell.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import vmm.core.machine.AcceleratorChoice;
import vmm.core.machine.DeviceSpec;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.RebootPolicy;

/**
 * The options of {@code vmm run} and {@code vmm:run}, as QEMU's: {@code --kernel FILE
 * [--initrd FILE[,FILE...]] [--append STR] [--memory SIZE] [--cpus N] [--accel kvm|emu|auto]
 * [--no-reboot]}.
 */
record RunOptions(Path kernel, String initrd, String append, long memory, int cpus, String accel, boolean noReboot,
                  boolean help, List<DeviceSpec> devices) {

    static final String USAGE = """
            usage: vmm run --kernel FILE [options]
              --kernel FILE     a bzImage, a PVH vmlinux or a multiboot kernel (as QEMU's -kernel)
              --initrd FILE     Linux initrd; for multiboot, modules: 'file args,file2' (as QEMU)
              --append STR      kernel command line
              --memory SIZE     RAM, in MiB or with a suffix K, M, G (default 128M)
              --cpus N          vCPUs (default 1)
              --accel NAME      kvm, emu or auto (default: kvm if /dev/kvm works, else emu)
              --no-reboot       end when the guest resets (as QEMU's -no-reboot)
              --device SPEC     a PCI device, as QEMU's -device: TYPE[,key=value...], e.g.
                                virtio-blk,file=disk.img[,format=raw|qcow2][,readonly=on]
                                ide,file=disk.img[,format=...][,readonly=on][,target=hda|hdb|hdc|hdd]
            The guest's serial console (COM1) is on stdout; stdin goes to it.
            Exit status: 0 the guest powered off (or reset with --no-reboot);
              (value << 1) | 1 the guest wrote value to isa-debug-exit (port 0xf4);
              2 bad usage; 120 the guest crashed (report on stderr);
              124 the machine could not start (the reason on stderr).
            """;

    static final int STATUS_USAGE = 2, STATUS_NOT_STARTED = 124;

    static RunOptions parse(String[] args) {
        Path kernel = null;
        String initrd = null;
        String append = "";
        long memory = 128L << 20;
        int cpus = 1;
        String accel = AcceleratorChoice.AUTO;
        boolean noReboot = false;
        List<DeviceSpec> devices = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    return new RunOptions(null, null, "", memory, cpus, accel, false, true, List.of());
                }
                case "--kernel", "-kernel" -> kernel = Path.of(value(args, ++i, a));
                case "--initrd", "-initrd" -> initrd = value(args, ++i, a);
                case "--append", "-append" -> append = value(args, ++i, a);
                case "--memory", "-m" -> memory = size(value(args, ++i, a));
                case "--cpus", "-smp" -> cpus = count(value(args, ++i, a));
                case "--accel", "-accel" -> accel = value(args, ++i, a);
                case "--no-reboot", "-no-reboot" -> noReboot = true;
                case "--device", "-device" -> devices.add(DeviceSpec.parse(value(args, ++i, a)));
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (kernel == null) {
            throw new IllegalArgumentException("--kernel FILE is required");
        }
        if (!Files.isReadable(kernel)) {
            throw new IllegalArgumentException("cannot read the kernel " + kernel);
        }
        if (!accel.equals("kvm") && !accel.equals("emu") && !accel.equals(AcceleratorChoice.AUTO)) {
            throw new IllegalArgumentException("--accel takes kvm, emu or auto, not '" + accel + "'");
        }
        return new RunOptions(kernel, initrd, append, memory, cpus, accel, noReboot, false, List.copyOf(devices));
    }

    MachineConfig.Builder config() {
        MachineConfig.Builder b = MachineConfig.builder(kernel).initrd(initrd).commandLine(append).memory(memory)
                .cpus(cpus).accelerator(accel).reboot(noReboot ? RebootPolicy.EXIT : RebootPolicy.RESET);
        devices.forEach(b::device);
        return b;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + option + " needs a value");
        }
        return args[i];
    }

    /** QEMU's -m: a number of MiB, or with a K, M, G or T suffix. */
    static long size(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        long unit = 1L << 20;
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        if (!t.isEmpty() && Character.isLetter(t.charAt(t.length() - 1))) {
            unit = switch (t.charAt(t.length() - 1)) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                case 'T' -> 1L << 40;
                default -> throw new IllegalArgumentException("memory size '" + text + "': unknown suffix");
            };
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t);
            if (n <= 0 || n > (1L << 50) / unit) {
                throw new IllegalArgumentException("memory size '" + text + "' is out of range");
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("memory size '" + text + "' is not a number with an optional K/M/G/T");
        }
    }

    private static int count(String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n < 1 || n > MachineConfig.MAX_CPUS) {
                throw new IllegalArgumentException("--cpus " + n + ": 1 to " + MachineConfig.MAX_CPUS);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--cpus '" + text + "' is not a number");
        }
    }
}
