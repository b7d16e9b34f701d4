package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.machine.MachineExit;
import vmm.core.machine.RebootPolicy;

/**
 * Debian's unmodified cloud kernel, booted by PVH on the software CPU with one vCPU, to a
 * busybox shell on ttyS0; then real programs in that shell. One boot for the class (its time is
 * logged); the last test reboots the guest, which ends the machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxShellTest {

    private static final Logger LOG = LoggerFactory.getLogger(LinuxShellTest.class);
    private static LinuxGuest guest;

    @BeforeAll
    static void boot() throws Exception {
        org.junit.jupiter.api.Assertions.assertTrue(Accelerators.unusable("emu").isEmpty(), () -> Accelerators.unusable("emu").get());
        guest = LinuxGuest.boot(DebianKernel.vmlinux(), 1, RebootPolicy.EXIT, Duration.ofSeconds(400));
    }

    @AfterAll
    static void shutDown() {
        if (guest != null) {
            guest.close();
        }
    }

    private static SerialShell.Result ok(String command) throws Exception {
        SerialShell.Result r = guest.run(command);
        assertEquals(0, r.status(), command + " failed:\n" + r.output());
        return r;
    }

    @Test
    @Order(1)
    void unameSaysLinux61OnX8664() throws Exception {
        String out = ok("uname -a").output();
        assertTrue(out.startsWith("Linux ") && out.contains(" 6.1.0-") && out.contains("x86_64"), out);
    }

    @Test
    @Order(2)
    void cpuinfoShowsTheFeaturesWeAdvertise() throws Exception {
        String out = ok("cat /proc/cpuinfo").output();
        assertTrue(out.contains("processor\t: 0"), out);
        String flags = out.lines().filter(l -> l.startsWith("flags")).findFirst().orElse("");
        for (String f : List.of("fpu", "tsc", "msr", "pae", "cx8", "apic", "cmov", "fxsr", "sse", "sse2", "syscall",
                "nx", "lm", "rdrand", "rdseed")) {
            assertTrue((" " + flags + " ").contains(" " + f + " "), "no " + f + " in " + flags);
        }
        // The TSC runs at the frequency we report, calibrated against the HPET.
        String mhz = out.lines().filter(l -> l.startsWith("cpu MHz")).findFirst().orElse("");
        double value = Double.parseDouble(mhz.substring(mhz.indexOf(':') + 1).strip());
        assertEquals(1000.0, value, 10.0, mhz);
    }

    @Test
    @Order(3)
    void busyboxApplets() throws Exception {
        assertTrue(ok("ls /bin").output().contains("sha256sum"));
        assertEquals(guest.knownSha256 + "  /root/known.bin",
                ok("sha256sum /root/known.bin").output().strip());
        String dd = ok("dd if=/root/known.bin of=/tmp/copy bs=4096 && sha256sum /tmp/copy && wc -c /tmp/copy")
                .output();
        assertTrue(dd.contains(guest.knownSha256 + "  /tmp/copy"), dd);
        assertTrue(dd.contains(LinuxGuest.KNOWN_SIZE + " /tmp/copy"), dd);
        String mounts = ok("mount").output();
        for (String m : List.of("on /dev type devtmpfs", "proc on /proc type proc", "sys on /sys type sysfs")) {
            assertTrue(mounts.contains(m), mounts);
        }
        String ps = ok("ps").output();
        // /init ends by exec'ing the shell, so PID 1 is the shell; the kernel's threads are there too.
        assertTrue(ps.lines().anyMatch(l -> l.strip().matches("1 +0 +sh")), ps);
        assertTrue(ps.contains("[kthreadd]"), ps);
        assertTrue(ps.contains("ps"), ps);
    }

    @Test
    @Order(4)
    void staticProgramPrintsWhatItPrintsNatively() throws Exception {
        SerialShell.Result r = ok("/root/guestprog");
        assertEquals(guest.programNativeOutput, r.output());
    }

    @Test
    @Order(5)
    void guestClockRunsAtTheHostsRate() throws Exception {
        long h0 = System.nanoTime();
        double g0 = uptime();
        long h1 = System.nanoTime();
        Thread.sleep(5000);
        long h2 = System.nanoTime();
        double g1 = uptime();
        long h3 = System.nanoTime();
        double guest = g1 - g0;
        double least = (h2 - h1) / 1e9;
        double most = (h3 - h0) / 1e9;
        assertTrue(guest >= least * 0.95 - 0.01 && guest <= most * 1.05 + 0.01,
                "the guest saw " + guest + " s while the host saw between " + least + " and " + most + " s");
    }

    private static double uptime() throws Exception {
        return Double.parseDouble(ok("cat /proc/uptime").output().strip().split("\\s+")[0]);
    }

    @Test
    @Order(6)
    void sleepOneTakesOneSecond() throws Exception {
        // nanosleep(1 s) timed by the guest's CLOCK_MONOTONIC, whose rate the test above checks
        // against the host's; then sleep(1) as busybox runs it, timed by the host, less what
        // starting a program costs (sleep 0).
        String out = ok("/root/guestprog sleep").output().strip();
        assertTrue(out.matches("slept \\d+ ms"), out);
        long ms = Long.parseLong(out.split(" ")[1]);
        assertEquals(1000, ms, 50, out);
        // The fastest of two runs each: a loaded host delays a run, never hastens it.
        long zero = Math.min(hostMillis("sleep 0"), hostMillis("sleep 0"));
        long one = Math.min(hostMillis("sleep 1"), hostMillis("sleep 1"));
        assertEquals(1000, one - zero, 100, "sleep 1 took " + one + " ms, sleep 0 " + zero + " ms (host clock)");
    }

    private static long hostMillis(String command) throws Exception {
        long t0 = System.nanoTime();
        ok(command);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    @Order(7)
    void dateFollowsTheRtc() throws Exception {
        long before = System.currentTimeMillis() / 1000;
        long guestNow = Long.parseLong(ok("date +%s").output().strip());
        long after = System.currentTimeMillis() / 1000;
        assertTrue(guestNow >= before - 2 && guestNow <= after + 2,
                "guest date " + guestNow + ", host between " + before + " and " + after);
    }

    @Test
    @Order(8)
    void idleGuestCostsLittleHostCpu() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Thread> machineThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vcpu") || t.getName().startsWith("vmm-")).toList();
        assertTrue(machineThreads.stream().anyMatch(t -> t.getName().startsWith("vcpu")), "no vCPU thread found");
        // Let the guest finish what the last command left (deferred kernel work), then measure.
        Thread.sleep(2000);
        long cpu0 = machineThreads.stream().mapToLong(t -> Math.max(0, threads.getThreadCpuTime(t.threadId()))).sum();
        long t0 = System.nanoTime();
        Thread.sleep(8000);
        long cpu1 = machineThreads.stream().mapToLong(t -> Math.max(0, threads.getThreadCpuTime(t.threadId()))).sum();
        double share = (double) (cpu1 - cpu0) / (System.nanoTime() - t0);
        LOG.info("idle guest: the machine's threads used {} % of a host core", String.format("%.2f", share * 100));
        // The goal is under 5% (this log line: 0.8% on a quiet host, up to 7.8% with other
        // builds on the 2 cores; see BENCHMARKS.md); a
        // timed test must not fail on a busy CI host, so this only catches a vCPU that spins in
        // HLT or a timer that never sleeps (either costs most of a core).
        assertTrue(share < 0.25, "an idle guest used " + share * 100 + " % of a host core");
    }

    @Test
    @Order(9)
    void kernelLogIsClean() throws Exception {
        String log = ok("dmesg").output();
        LinuxGuest.assertCleanLog(log);
        assertTrue(log.contains("clocksource: Switched to clocksource tsc"), log);
        // Seeded from RDRAND/RDSEED during boot (CONFIG_RANDOM_TRUST_CPU); without them the
        // pool is not ready before user space starts.
        int seeded = log.indexOf("random: crng init done");
        assertTrue(seeded >= 0 && seeded < log.indexOf("Freeing unused kernel image"), log);
    }

    /**
     * virsh save and restore underneath: the running guest paused and saved (RAM, vCPU, every
     * platform device), a fresh machine restored from the file, and the shell there answers as
     * if nothing happened: the same files, the same programs. The original runs on.
     */
    @Test
    @Order(10)
    void aSavedGuestRestoredIntoAFreshMachineAnswersAtItsShell(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("linux.save");
        long start = System.nanoTime();
        guest.machine.pause();
        try {
            guest.machine.saveState(file);
        } finally {
            guest.machine.resume();
        }
        LOG.info("saved a 512 MiB Linux guest in {} ms: {} KiB", (System.nanoTime() - start) / 1_000_000,
                Files.size(file) >> 10);
        assertTrue(Files.size(file) < 256L << 20, "zero pages are left out: " + Files.size(file) + " bytes");
        try (LinuxGuest twin = guest.restored(file)) {
            SerialShell.Result r = twin.run("echo restored; sha256sum /root/known.bin; /root/guestprog");
            assertEquals(0, r.status(), r.output());
            assertEquals("restored\n" + guest.knownSha256 + "  /root/known.bin\n" + guest.programNativeOutput,
                    r.output());
            // The clocks came back together: no TSC trouble once the watchdog has looked again.
            LinuxGuest.assertCleanLog(twin.run("sleep 2; dmesg").output());
        }
        // The original goes on where it was.
        assertEquals("still here", ok("echo still here").output().strip());
    }

    @Test
    @Order(100)
    void rebootEndsTheMachineAsAReset() throws Exception {
        guest.shell.type("reboot -f\n");
        Optional<MachineExit> exit = guest.machine.awaitExit(Duration.ofSeconds(60));
        assertTrue(exit.isPresent(), "the machine still runs after reboot -f; console:\n" + guest.shell.text());
        assertInstanceOf(MachineExit.ResetRequested.class, exit.get());
    }
}
