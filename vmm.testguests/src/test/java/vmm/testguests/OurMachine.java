package vmm.testguests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import vmm.core.machine.Console;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.MachineExit;
import vmm.core.machine.Machines;
import vmm.core.machine.RebootPolicy;

/** The same kernel on this project's machine with one accelerator. */
final class OurMachine {

    record Result(MachineExit exit, String serial) {
    }

    private OurMachine() {
    }

    static Result run(Path kernel, int cpus, String append, String accelerator, RebootPolicy reboot,
                      int timeoutSeconds) throws Exception {
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        MachineConfig config = MachineConfig.builder(kernel).memory(128L << 20).cpus(cpus).commandLine(append)
                .accelerator(accelerator).console(Console.output(serial)).reboot(reboot).build();
        try (Machine m = Machines.create(config, Accelerators.all())) {
            m.start();
            Optional<MachineExit> exit = m.awaitExit(Duration.ofSeconds(timeoutSeconds));
            if (exit.isEmpty()) {
                m.destroy();
                fail(kernel.getFileName() + " on " + accelerator + " did not finish within " + timeoutSeconds
                        + " s; serial so far:\n" + text(serial));
            }
            return new Result(exit.get(), text(serial));
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.ISO_8859_1).replace("\r", "");
        }
    }

    static List<String> missing(String serial, List<String> expected) {
        return expected.stream().filter(e -> !serial.contains(e)).toList();
    }
}
