package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import vmm.core.machine.Console;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.MachineExit;
import vmm.core.machine.MachineState;
import vmm.core.machine.Machines;

/** The host's controls on a running guest: pause stops it, resume goes on, reset boots it again, power-off ends it. */
class MachineControlTest {

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static void waitFor(ByteArrayOutputStream out, Predicate<String> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.test(text(out))) {
            if (System.nanoTime() > deadline) {
                fail("waited 20 s for " + what + "; serial:\n" + text(out));
            }
            Thread.sleep(10);
        }
    }

    private static long count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }

    @ParameterizedTest
    @ValueSource(strings = {"emu", "kvm"})
    void pauseResumeResetPowerOff(String engine) throws Exception {
        Assumptions.assumeTrue(Accelerators.unusable(engine).isEmpty(), () -> Accelerators.unusable(engine).get());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MachineConfig config = MachineConfig.builder(Guests.elf("spin")).memory(32L << 20).cpus(2)
                .accelerator(engine).console(Console.output(out)).build();
        try (Machine m = Machines.create(config, Accelerators.all())) {
            m.start();
            waitFor(out, t -> count(t, "spin ") >= 3, "three lines");

            m.pause();
            assertEquals(MachineState.PAUSED, m.state());
            String paused = text(out);
            Thread.sleep(300);
            assertEquals(paused, text(out), "no output while paused");

            m.resume();
            assertEquals(MachineState.RUNNING, m.state());
            waitFor(out, t -> t.length() > paused.length() + 20, "output after resume");

            m.reset();
            waitFor(out, t -> count(t, "spin guest started") == 2, "the second boot");

            m.powerOff();
            assertEquals(new MachineExit.PoweredOff(), m.awaitExit(Duration.ofSeconds(10)).orElseThrow());
            String ended = text(out);
            Thread.sleep(100);
            assertEquals(ended, text(out), "no output after power-off");
            assertTrue(ended.contains("spin 0\r\nspin 1\r\n"), ended);
        }
    }
}
