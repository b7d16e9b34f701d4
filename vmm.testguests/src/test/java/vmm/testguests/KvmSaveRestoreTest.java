package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.machine.Console;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.MachineExit;
import vmm.core.machine.MachineState;
import vmm.core.machine.Machines;

/**
 * Save/restore on KVM: the spincount guest (guests/spincount.c, a busy-wait counter without
 * interrupts, so that PVM hosts run it) is paused half-way, saved with the in-kernel PICs,
 * IOAPIC, PIT and clock, and restored into a fresh KVM machine, which counts on from there.
 */
class KvmSaveRestoreTest {
    private static final int LIMIT = 12;
    private static final long MEMORY = 32L << 20;

    @TempDir
    Path dir;

    private static Machine machine(ByteArrayOutputStream serial) throws Exception {
        MachineConfig config = MachineConfig.builder(Guests.elf("spincount")).memory(MEMORY).cpus(1)
                .commandLine("limit=" + LIMIT).accelerator("kvm").console(Console.output(serial)).build();
        return Machines.create(config, Accelerators.all());
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.ISO_8859_1).replace("\r", "");
        }
    }

    @Test
    void aKvmMachineRestoredIntoAFreshOneCountsOn() throws Exception {
        Assumptions.assumeTrue(Accelerators.unusable("kvm").isEmpty(), () -> Accelerators.unusable("kvm").get());
        Path saved = dir.resolve("spincount.save");
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        String before;
        try (Machine m = machine(first)) {
            m.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!text(first).contains("count 3\n") && System.nanoTime() < deadline
                    && m.state() == MachineState.RUNNING) {
                Thread.sleep(1);
            }
            if (!text(first).contains("count 3\n")) {
                Optional<MachineExit> exit = m.awaitExit(Duration.ofMillis(100));
                if (exit.isPresent() && exit.get() instanceof MachineExit.Crashed c
                        && c.reason().contains("KVM_EXIT_INTERNAL_ERROR") && Files.exists(TestGuestsTest.PVM)) {
                    Assumptions.abort("KVM here is PVM, which cannot run this guest: " + c.reason());
                }
            }
            m.pause();
            before = text(first);
            m.saveState(saved);
        }
        assertTrue(before.contains("count 3\n") && !before.contains("spincount done"), before);
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        try (Machine m = machine(second)) {
            m.restoreState(saved);
            m.start();
            Optional<MachineExit> exit = m.awaitExit(Duration.ofSeconds(60));
            assertEquals(Optional.of(new MachineExit.DebugExit(0)), exit, text(second));
        }
        String after = text(second);
        String whole = "spincount up\n" + IntStream.rangeClosed(1, LIMIT).mapToObj(n -> "count " + n + "\n")
                .collect(Collectors.joining()) + "spincount done\n";
        assertEquals(whole, before + after, "before the save:\n" + before + "\nafter the restore:\n" + after);
        assertTrue(!after.isEmpty() && !after.startsWith("spincount up"), after);
    }
}
