package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.machine.MachineExit;
import vmm.core.machine.RebootPolicy;

/**
 * The same kernel booted the other way, from its bzImage (the 64-bit boot protocol), with two
 * vCPUs: the second one started by the kernel with INIT/SIPI as on a PC. One boot for the
 * class; the last test powers the guest off through ACPI S5, which ends the machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxSmpTest {

    private static LinuxGuest guest;

    @BeforeAll
    static void boot() throws Exception {
        org.junit.jupiter.api.Assertions.assertTrue(Accelerators.unusable("emu").isEmpty(), () -> Accelerators.unusable("emu").get());
        guest = LinuxGuest.boot(DebianKernel.bzImage(), 2, RebootPolicy.EXIT, Duration.ofSeconds(400));
    }

    @AfterAll
    static void shutDown() {
        if (guest != null) {
            guest.close();
        }
    }

    private static String ok(String command) throws Exception {
        SerialShell.Result r = guest.run(command);
        assertEquals(0, r.status(), command + " failed:\n" + r.output());
        return r.output();
    }

    @Test
    @Order(1)
    void bothCpusAreOnline() throws Exception {
        assertEquals("0-1", ok("cat /sys/devices/system/cpu/online").strip());
        String cpuinfo = ok("cat /proc/cpuinfo");
        assertTrue(cpuinfo.contains("processor\t: 0") && cpuinfo.contains("processor\t: 1"), cpuinfo);
        assertEquals("2", ok("nproc").strip());
    }

    @Test
    @Order(2)
    void programRunsOnTheSecondCpuAsNatively() throws Exception {
        assertEquals(guest.programNativeOutput, ok("taskset 2 /root/guestprog"));
    }

    @Test
    @Order(3)
    void programWithThreadsOnBothCpusAsNatively() throws Exception {
        assertEquals(guest.programNativeOutput, ok("/root/guestprog"));
        // Both CPUs took interrupts (timer ticks, IPIs): the APs' local APICs work.
        String interrupts = ok("cat /proc/interrupts");
        String loc = interrupts.lines().filter(l -> l.strip().startsWith("LOC:")).findFirst().orElse("");
        String[] counts = loc.strip().split("\\s+");
        assertTrue(counts.length >= 3 && Long.parseLong(counts[1]) > 0 && Long.parseLong(counts[2]) > 0, interrupts);
    }

    @Test
    @Order(4)
    void kernelLogIsClean() throws Exception {
        String log = ok("dmesg");
        LinuxGuest.assertCleanLog(log);
        assertTrue(log.contains("smp: Brought up 1 node, 2 CPUs"), log);
    }

    /**
     * Save and restore with two vCPUs: both CPUs' state and both local APICs go into the file;
     * in the restored twin both CPUs run programs and the clocks agree (no TSC trouble in the
     * log). The original waits paused meanwhile, then runs on.
     */
    @Test
    @Order(5)
    void bothCpusRunOnAfterSaveAndRestore(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("smp.save");
        guest.machine.pause();
        try {
            guest.machine.saveState(file);
            try (LinuxGuest twin = guest.restored(file)) {
                SerialShell.Result r = twin.run("cat /sys/devices/system/cpu/online; taskset 2 /root/guestprog");
                assertEquals(0, r.status(), r.output());
                assertEquals("0-1\n" + guest.programNativeOutput, r.output());
                assertEquals(guest.programNativeOutput, twin.run("/root/guestprog").output());
                LinuxGuest.assertCleanLog(twin.run("sleep 2; dmesg").output());
            }
        } finally {
            guest.machine.resume();
        }
        assertEquals("2", ok("nproc").strip());
    }

    @Test
    @Order(100)
    void poweroffEndsTheMachine() throws Exception {
        guest.shell.type("poweroff -f\n");
        Optional<MachineExit> exit = guest.machine.awaitExit(Duration.ofSeconds(60));
        assertTrue(exit.isPresent(), "the machine still runs after poweroff -f; console:\n" + guest.shell.text());
        assertInstanceOf(MachineExit.PoweredOff.class, exit.get());
    }
}
