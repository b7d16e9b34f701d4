package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.machine.Console;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.MachineException;
import vmm.core.machine.MachineExit;
import vmm.core.machine.MachineState;
import vmm.core.machine.Machines;

/**
 * A machine saved half-way and restored into a fresh one, on the software CPU: the counter
 * guest (guests/counter.c: PIT ticks through the IOAPIC to the local APIC, halted between
 * them) goes on from the count it had reached, so the serial output of the two machines put
 * together is exactly one uninterrupted run. One save for the class; the bad-file tests
 * spoil copies of it.
 */
class SaveRestoreTest {
    private static final int LIMIT = 20;
    private static final long MEMORY = 32L << 20;

    @TempDir
    static Path dir;
    private static Path saved;
    private static String before;

    private static Machine machine(ByteArrayOutputStream serial, long memory) throws Exception {
        MachineConfig config = MachineConfig.builder(Guests.elf("counter")).memory(memory).cpus(1)
                .commandLine("limit=" + LIMIT).accelerator("emu").console(Console.output(serial)).build();
        return Machines.create(config, Accelerators.all());
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.ISO_8859_1).replace("\r", "");
        }
    }

    @BeforeAll
    static void runAndSaveHalfWay() throws Exception {
        assertTrue(Accelerators.unusable("emu").isEmpty(), () -> Accelerators.unusable("emu").get());
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        try (Machine m = machine(serial, MEMORY)) {
            m.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!text(serial).contains("count 5\n") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            MachineException running = assertThrows(MachineException.class, () -> m.saveState(dir.resolve("x")));
            assertEquals("only a paused machine can be saved (it is RUNNING)", running.getMessage());
            m.pause();
            before = text(serial);
            saved = dir.resolve("counter.save");
            m.saveState(saved);
            assertEquals(MachineState.PAUSED, m.state());
        }
        assertTrue(before.contains("count 5\n") && !before.contains("counter done"), before);
        assertFalse(Files.exists(dir.resolve("counter.save.partial")));
    }

    @Test
    void theRestoredMachineCountsOnFromWhereItWasSaved() throws Exception {
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        try (Machine m = machine(serial, MEMORY)) {
            m.restoreState(saved);
            // Started paused, the guest does not run at all until resumed.
            m.start(true);
            assertEquals(MachineState.PAUSED, m.state());
            Thread.sleep(300);
            assertEquals("", text(serial));
            m.resume();
            Optional<MachineExit> exit = m.awaitExit(Duration.ofSeconds(60));
            assertEquals(Optional.of(new MachineExit.DebugExit(0)), exit, text(serial));
        }
        String after = text(serial);
        String whole = "counter up\n" + IntStream.rangeClosed(1, LIMIT).mapToObj(n -> "count " + n + "\n")
                .collect(Collectors.joining()) + "counter done\n";
        // Not from 0 again, no count lost or repeated: the two halves are one run.
        assertEquals(whole, before + after, "before the save:\n" + before + "\nafter the restore:\n" + after);
        // RAM pages of zeros are left out: 32 MiB of mostly untouched RAM is a small file.
        assertTrue(Files.size(saved) < (1 << 20), "the state file has " + Files.size(saved) + " bytes");
    }

    private static String restoreFails(Path file, long memory) throws Exception {
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        try (Machine m = machine(serial, memory)) {
            MachineException e = assertThrows(MachineException.class, () -> m.restoreState(file));
            MachineException start = assertThrows(MachineException.class, m::start);
            assertEquals("a state restore into this machine failed; it cannot run", start.getMessage());
            assertEquals("", text(serial), "nothing ran");
            return e.getMessage();
        }
    }

    @Test
    void aTruncatedFileIsRefusedAndNothingRuns() throws Exception {
        byte[] all = Files.readAllBytes(saved);
        Path cut = dir.resolve("cut.save");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 2000));
        assertEquals("cannot restore the machine: machine state is truncated (it ends in section RAM)",
                restoreFails(cut, MEMORY));
        Files.write(cut, java.util.Arrays.copyOf(all, 20));
        assertEquals("cannot restore the machine: machine state is truncated (it ends in section CONF)",
                restoreFails(cut, MEMORY));
    }

    @Test
    void aFlippedBitIsCaughtByTheChecksum() throws Exception {
        byte[] all = Files.readAllBytes(saved);
        all[all.length - 2000] ^= 0x10; // inside the last RAM page
        Path bad = dir.resolve("flipped.save");
        Files.write(bad, all);
        String message = restoreFails(bad, MEMORY);
        assertTrue(message.startsWith("cannot restore the machine: machine state is corrupt: checksum 0x"), message);
    }

    @Test
    void aForeignFileOrAnotherMachinesStateIsRefused() throws Exception {
        assertEquals("cannot restore the machine: not a machine state (it does not start with VMMSTATE)",
                restoreFails(Guests.elf("counter"), MEMORY));
        assertEquals("cannot restore the machine: the state is of another machine: it has 32 MiB of RAM, "
                + "this machine 64 MiB", restoreFails(saved, 64L << 20));
        MachineException missing = assertThrows(MachineException.class, () -> {
            try (Machine m = machine(new ByteArrayOutputStream(), MEMORY)) {
                m.restoreState(dir.resolve("no-such.save"));
            }
        });
        assertTrue(missing.getMessage().startsWith("cannot read " + dir.resolve("no-such.save")), missing.getMessage());
    }

    @Test
    void aStartedMachineTakesNoState() throws Exception {
        try (Machine m = machine(new ByteArrayOutputStream(), MEMORY)) {
            m.start();
            MachineException e = assertThrows(MachineException.class, () -> m.restoreState(saved));
            assertEquals("a state is restored into a machine not started yet (it is RUNNING)", e.getMessage());
        } catch (MachineException e) {
            fail(e);
        }
    }
}
