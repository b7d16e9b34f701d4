package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain's memory balloon through virsh's commands (the launcher as a process): the
 * {@code <memballoon model='virtio'/>} libvirt adds is a virtio-balloon PCI function; a real
 * guest driver (balloon.c, gcc-built, polled as Linux's virtio_balloon follows the config
 * space) gives back what {@code currentMemory} leaves below {@code memory}, then follows
 * setmem both ways; dommemstat and dominfo report the size the guest reports.
 */
class BalloonDomainTest {
    @TempDir
    Path state;

    @AfterEach
    void stopDaemon() throws Exception {
        if (Files.exists(state.resolve("run/vmm.sock"))) {
            VmmProcess.run(state, "daemon", "stop");
        }
    }

    private void define(String name, Path elf, String devices) throws Exception {
        Path xml = state.resolve(name + ".xml");
        Files.writeString(xml, """
                <domain type='qemu'>
                  <name>%s</name>
                  <memory unit='MiB'>64</memory>
                  <currentMemory unit='MiB'>48</currentMemory>
                  <os><type>hvm</type><kernel>%s</kernel></os>
                  <devices>%s</devices>
                </domain>
                """.formatted(name, elf, devices));
        var r = VmmProcess.run(state, "-c", "define " + xml);
        assertEquals(0, r.status(), r.err());
    }

    private String awaitConsole(String name, String line) throws Exception {
        Path console = state.resolve("logs/" + name + ".console.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String log = "";
        while (!log.contains(line) && !log.contains("FAIL") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            log = Files.exists(console) ? Files.readString(console).replace("\r\n", "\n") : "";
        }
        assertTrue(log.contains(line), log);
        return log;
    }

    private String virsh(String command) throws Exception {
        var r = VmmProcess.run(state, "-c", command);
        assertEquals(0, r.status(), r.err());
        return r.out();
    }

    private String virshError(String command) throws Exception {
        var r = VmmProcess.run(state, "-c", command);
        assertEquals(1, r.status(), r.out());
        return r.err();
    }

    @Test
    void theGuestGivesBackWhatCurrentMemoryLeavesAndFollowsSetmem() throws Exception {
        Path elf = RunningDomainTest.buildGuest(state, "balloon");
        define("bal", elf, "");
        assertEquals("Failed to get memory statistics for domain bal\nerror: Requested operation is not valid: "
                + "domain is not running", virshError("dommemstat bal").strip().substring("error: ".length()));
        assertEquals("error: Requested operation is not valid: domain is not running\n", virshError("setmem bal 1024"));
        virsh("start bal");
        // 48 of 64 MiB: the balloon holds 16 MiB, 4096 pages of 4 KiB.
        awaitConsole("bal", "balloon driver up\nballoon 4096 pages\n");
        assertEquals("actual 49152\n\n", virsh("dommemstat bal"));
        assertTrue(virsh("dominfo bal").contains("\nUsed memory:    49152 KiB\n"));

        assertEquals("\n", virsh("setmem bal 32M"));
        awaitConsole("bal", "balloon 8192 pages\n");
        assertEquals("actual 32768\n\n", virsh("dommemstat --domain bal"));
        assertEquals("\n", virsh("setmem bal 61440 --live"));
        awaitConsole("bal", "balloon 1024 pages\n");
        assertEquals("actual 61440\n\n", virsh("dommemstat bal"));
        assertTrue(virsh("domstats --balloon bal").contains("balloon.current=61440\n"));
        assertTrue(virsh("dumpxml bal").contains("<currentMemory unit='KiB'>61440</currentMemory>"));

        assertEquals("error: invalid argument: cannot set memory higher than max memory\n",
                virshError("setmem bal 65537"));
        assertEquals("error: Scaled numeric value '1x' for <size> option is malformed or out of range\n",
                virshError("setmem bal 1x"));
        assertEquals("error: Options --current and --live are mutually exclusive\n",
                virshError("setmem bal 1024 --current --live"));
        // --config: the stored definition's currentMemory; the running guest is left as it is.
        assertEquals("\n", virsh("setmem bal 40M --config"));
        assertTrue(virsh("dumpxml --inactive bal").contains("<currentMemory unit='KiB'>40960</currentMemory>"));
        assertEquals("actual 61440\n\n", virsh("dommemstat bal"));
    }

    @Test
    void modelNoneHasNoBalloonAndOtherModelsAreAnError() throws Exception {
        Path elf = RunningDomainTest.buildIdleGuest(state);
        define("nob", elf, "<memballoon model='none'/>");
        virsh("start nob");
        awaitConsole("nob", "idle guest up\n");
        assertEquals("error: Requested operation is not valid: Unable to change memory of active domain without "
                + "the balloon device and guest OS balloon driver\n", virshError("setmem nob 32768"));
        assertEquals("\n", virsh("dommemstat nob"), "libvirt's actual comes from a balloon only");
        assertTrue(virsh("dominfo nob").contains("\nUsed memory:    49152 KiB\n"));

        define("xen", elf, "<memballoon model='xen'/>");
        assertEquals("error: Failed to start domain 'xen'\nerror: unsupported configuration: "
                + "/domain/devices/memballoon/@model: memballoon model 'xen' is not supported; the machine's balloon "
                + "is virtio-balloon (<memballoon model='virtio'/>, or model='none' for no balloon)\n",
                virshError("start xen"));
    }
}
