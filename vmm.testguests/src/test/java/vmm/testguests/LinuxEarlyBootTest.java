package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import vmm.core.machine.Console;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.MachineExit;
import vmm.core.machine.Machines;
import vmm.core.machine.RebootPolicy;

/**
 * Debian's cloud kernel, booted by PVH on the software CPU, gets far enough to print its banner,
 * the command line we gave it and the memory map we built; then the test stops the VM. One boot
 * for the class.
 */
class LinuxEarlyBootTest {

    static final String MARKER = "vmm.early-boot-test=1";
    static final String CMDLINE = "console=ttyS0 earlyprintk=serial,ttyS0,115200 tsc_early_khz=1000000 panic=-1 "
            + MARKER;
    static final long MEMORY = 256L << 20;
    static final int TIMEOUT_SECONDS = 120;

    private static String serial;
    private static MachineExit exitBeforeDone;

    @BeforeAll
    static void boot() throws Exception {
        org.junit.jupiter.api.Assertions.assertTrue(Accelerators.unusable("emu").isEmpty(), () -> Accelerators.unusable("emu").get());
        Boot b = boot(DebianKernel.vmlinux());
        serial = b.serial();
        exitBeforeDone = b.exit();
    }

    /** What the console showed until the checks were met, and the machine's end if it came first. */
    record Boot(String serial, MachineExit exit) {
    }

    /** Boots {@code kernel} on emu until the banner, command line and memory map are printed (or it ends). */
    static Boot boot(java.nio.file.Path kernel) throws Exception {
        MachineExit ended = null;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MachineConfig config = MachineConfig.builder(kernel).memory(MEMORY).cpus(1)
                .commandLine(CMDLINE).accelerator("emu").console(Console.output(out)).reboot(RebootPolicy.EXIT)
                .build();
        try (Machine m = Machines.create(config, Accelerators.all())) {
            m.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(TIMEOUT_SECONDS).toNanos();
            while (System.nanoTime() < deadline) {
                Optional<MachineExit> exit = m.awaitExit(Duration.ofMillis(200));
                String text = text(out);
                if (exit.isPresent()) {
                    ended = exit.get();
                    break;
                }
                if (done(text)) {
                    break;
                }
            }
            m.destroy();
        }
        return new Boot(text(out), ended);
    }

    private static boolean done(String text) {
        // Only whole lines count: the console is read while the kernel is still printing.
        String whole = text.substring(0, text.lastIndexOf('\n') + 1);
        return whole.contains("Linux version") && whole.contains("Command line: " + CMDLINE)
                && whole.lines().filter(l -> l.contains("BIOS-e820:")).count() >= 3;
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.ISO_8859_1).replace("\r", "");
        }
    }

    static void require(String what) {
        require(serial, exitBeforeDone, what);
    }

    static void require(String serial, MachineExit exitBeforeDone, String what) {
        if (!serial.contains(what)) {
            fail("no '" + what + "' on the console" + (exitBeforeDone != null ? " (the VM ended: " + exitBeforeDone
                    + ")" : "") + "; serial:\n" + serial);
        }
    }

    @Test
    void printsItsBanner() {
        require("Linux version 6.1");
    }

    @Test
    void printsOurCommandLine() {
        require("Command line: " + CMDLINE);
    }

    @Test
    void printsOurMemoryMap() {
        // What E820Map gives a 256 MiB PC: low RAM up to the EBDA, the firmware range, RAM from 1 MiB.
        for (String line : List.of("BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
                "BIOS-e820: [mem 0x000000000009fc00-0x00000000000fffff] reserved",
                "BIOS-e820: [mem 0x0000000000100000-0x000000000fffffff] usable")) {
            require(line);
        }
        assertTrue(serial.indexOf("Linux version") < serial.indexOf("BIOS-e820"), "banner first");
    }
}
