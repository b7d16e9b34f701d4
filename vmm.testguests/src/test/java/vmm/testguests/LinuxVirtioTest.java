package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.device.MemoryBalloon;
import vmm.core.machine.Console;
import vmm.core.machine.DeviceSpec;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.Machines;
import vmm.dev.virtio.device.BlkStats;
import vmm.dev.virtio.device.VirtioBalloon;
import vmm.dev.virtio.device.VirtioBlk;
import vmm.dev.virtio.device.VirtioConsole;

/**
 * Linux's own virtio drivers (modules of Debian's cloud kernel: virtio_pci, virtio_blk,
 * virtio_net, virtio_console, virtio_rng, virtio_balloon) on our virtio-pci functions, in our
 * machine on the software CPU, one boot for every check: two disks (raw and qcow2), a NIC on
 * the pcap test backend with a pretend host to ping, a console, an entropy source and a
 * balloon. The qcow2 disk, the NIC and the entropy source offer packed virtqueues, which Linux
 * takes; the others run split ones. The host side of each check talks to the device models the
 * machine created.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxVirtioTest {
    static final int RAW_SECTORS = 16384;        // 8 MiB
    static final long QCOW_SIZE = 64L << 20;
    static final String MAC = "52:54:00:ab:cd:ef";
    static final String PEER = "10.0.2.2";
    static final int BALLOON_PAGES = 4096;       // 16 MiB
    static final Duration COMMAND = Duration.ofSeconds(120);
    /**
     * tsc=reliable: no clocksource watchdog. On a loaded build host a vCPU thread descheduled
     * between two clock reads looks like a drifting TSC; timekeeping is LinuxShellTest's
     * concern, the kernel log here is checked for what the virtio drivers say.
     */
    static final String CMDLINE = LinuxGuest.CMDLINE + " tsc=reliable";
    static final List<String> MODULES = List.of("virtio_ring", "virtio", "virtio_pci_legacy_dev",
            "virtio_pci_modern_dev", "virtio_pci", "virtio_blk", "failover", "net_failover", "virtio_net",
            "virtio_console", "virtio-rng", "virtio_balloon");

    @TempDir
    static Path dir;
    static Path raw;
    static Path qcow;
    static Path pcap;
    static Path consoleOut;
    static byte[] hostPattern;
    /** 1 MiB the guest writes to the qcow2 disk (from its initramfs: generating it there is slow). */
    static final byte[] DATA = new byte[1 << 20];
    static CapturedDevices devices;
    static MachineConfig config;
    static Machine machine;
    static SerialShell shell;

    @BeforeAll
    static void boot() throws Exception {
        raw = dir.resolve("disk.raw");
        byte[] disk = new byte[RAW_SECTORS * 512];
        hostPattern = new byte[4096];
        new Random(42).nextBytes(hostPattern);
        System.arraycopy(hostPattern, 0, disk, 512 * 100, hostPattern.length);
        Files.write(raw, disk);
        qcow = dir.resolve("disk.qcow2");
        LinuxGuest.exec(dir, 60, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=65536",
                qcow.toString(), Long.toString(QCOW_SIZE));
        pcap = dir.resolve("frames.pcap");
        consoleOut = dir.resolve("hvc0.out");

        Path modules;
        try (Stream<Path> s = Files.list(DebianKernel.guestCache().resolve("kernel/lib/modules"))) {
            modules = s.findFirst().orElseThrow();
        }
        Initramfs initramfs = LinuxGuest.initramfs(LinuxGuest.compileProgram(dir), new byte[16]);
        try (Stream<Path> s = Files.walk(modules)) {
            for (Path ko : s.filter(p -> p.toString().endsWith(".ko"))
                    .filter(p -> MODULES.contains(p.getFileName().toString().replace(".ko", ""))).toList()) {
                initramfs.copy("lib/modules/" + ko.getFileName(), ko);
            }
        }
        initramfs.copy("bin/zeroout", compile("zeroout"));
        new Random(7).nextBytes(DATA);
        initramfs.file("root/data.bin", DATA, 0644);
        Path initrd = initramfs.write(dir.resolve("initramfs.cpio"));

        devices = new CapturedDevices();
        shell = new SerialShell();
        config = MachineConfig.builder(DebianKernel.vmlinux()).memory(512L << 20).cpus(1)
                .initrd(initrd.toString()).commandLine(CMDLINE).accelerator("emu")
                .console(new Console(shell.out, shell.in))
                .device(DeviceSpec.parse("virtio-blk,file=" + raw + ",format=raw"))
                .device(DeviceSpec.parse("virtio-blk,file=" + qcow + ",format=qcow2,packed=on"))
                .device(DeviceSpec.parse("virtio-net,mac=" + MAC + ",backend=pcap,file=" + pcap + ",peer=" + PEER
                        + ",packed=on"))
                .device(DeviceSpec.parse("virtio-console,output=" + consoleOut))
                .device(DeviceSpec.parse("virtio-rng,packed=on"))
                .device(DeviceSpec.parse("virtio-balloon"))
                .build();
        machine = Machines.create(config, Accelerators.all(), devices.types);
        machine.start();
        Duration boot = Duration.ofSeconds(180);
        int at = shell.await(Pattern.compile(Pattern.quote(LinuxGuest.INIT_DONE)), 0, boot).end();
        shell.await(LinuxGuest.PROMPT, at, boot);
        for (String m : MODULES) {
            ok("insmod /lib/modules/" + m + ".ko");
        }
        ok("for i in $(seq 50); do [ -b /dev/vdb ] && [ -c /dev/hvc0 ] && [ -e /sys/class/net/eth0 ] && break; sleep 0.2; done");
    }

    private static Path compile(String name) throws Exception {
        Path source = dir.resolve(name + ".c");
        try (InputStream in = LinuxVirtioTest.class.getResourceAsStream(name + ".c")) {
            Files.write(source, in.readAllBytes());
        }
        Path out = dir.resolve(name);
        LinuxGuest.exec(dir, 120, "gcc", "-static", "-O2", "-o", out.toString(), source.toString());
        return out;
    }

    @AfterAll
    static void shutDown() {
        if (machine != null) {
            machine.close();
        }
        if (shell != null) {
            shell.close();
        }
    }

    private static SerialShell.Result ok(String command) throws Exception {
        SerialShell.Result r = shell.run(command, COMMAND);
        assertEquals(0, r.status(), command + ":\n" + r.output());
        return r;
    }

    private static String out(String command) throws Exception {
        return ok(command).output().strip();
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + COMMAND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + COMMAND.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }

    private static VirtioBlk disk(int index) {
        return devices.get("virtio-blk", index, VirtioBlk.class);
    }

    @Test
    @Order(1)
    void everyDriverBindsItsFunction() throws Exception {
        // Device id, driver, and whether the driver took VIRTIO_F_RING_PACKED (feature bit 34).
        String bound = out("for d in /sys/bus/virtio/devices/*; do echo $(cat $d/device) $(basename $(readlink $d/driver))"
                + " $(cut -c35 $d/features); done");
        assertEquals("""
                0x0002 virtio_blk 0
                0x0002 virtio_blk 1
                0x0001 virtio_net 1
                0x0003 virtio_console 0
                0x0004 virtio_rng 1
                0x0005 virtio_balloon 0""", bound);
        String ids = out("cat /sys/bus/pci/devices/*/device");
        for (String id : List.of("0x1041", "0x1042", "0x1043", "0x1044", "0x1045")) {
            assertTrue(ids.contains(id), "modern virtio PCI function 1af4:" + id + " in " + ids);
        }
        String irqs = out("grep virtio /proc/interrupts");
        assertTrue(irqs.contains("PCI-MSI") && irqs.contains("-input.0") && irqs.contains("-output.0")
                && irqs.contains("-req.0"), "queues on MSI-X vectors:\n" + irqs);
    }

    @Test
    @Order(2)
    void blkDriverSeesEachDiskSize() throws Exception {
        assertEquals(String.valueOf(RAW_SECTORS), out("cat /sys/block/vda/size"));
        assertEquals(String.valueOf(QCOW_SIZE / 512), out("cat /sys/block/vdb/size"));
    }

    @Test
    @Order(3)
    void guestReadsWhatTheHostWrote() throws Exception {
        String sum = out("dd if=/dev/vda bs=512 skip=100 count=8 2>/dev/null | sha256sum");
        assertTrue(sum.startsWith(LinuxGuest.sha256(hostPattern)), sum);
    }

    @Test
    @Order(4)
    void hostReadsWhatTheGuestWroteAfterItsFlush() throws Exception {
        BlkStats before = disk(0).stats();
        ok("dd if=/dev/vda of=/dev/vda bs=512 skip=100 seek=2000 count=8 conv=fsync 2>/dev/null");
        BlkStats after = disk(0).stats();
        assertTrue(after.flushes() > before.flushes(), "fsync sent a FLUSH: " + before + " -> " + after);
        assertTrue(after.writes() > before.writes(), after.toString());
        byte[] disk = Files.readAllBytes(raw);
        assertArrayEquals(hostPattern, Arrays.copyOfRange(disk, 512 * 2000, 512 * 2000 + hostPattern.length));
    }

    @Test
    @Order(5)
    void writeZeroesReachesTheImage() throws Exception {
        BlkStats before = disk(0).stats();
        ok("zeroout /dev/vda " + 512 * 2000 + " 4096");
        BlkStats after = disk(0).stats();
        assertTrue(after.writeZeroes() > before.writeZeroes(), "BLKZEROOUT sent WRITE_ZEROES: " + after);
        assertEquals(before.writes(), after.writes(), "no zeroes were written as data");
        byte[] disk = Files.readAllBytes(raw);
        assertArrayEquals(new byte[4096], Arrays.copyOfRange(disk, 512 * 2000, 512 * 2000 + 4096));
        assertTrue(out("dd if=/dev/vda bs=512 skip=100 count=8 iflag=direct 2>/dev/null | sha256sum")
                .startsWith(LinuxGuest.sha256(hostPattern)), "the neighbouring pattern stays");
    }

    @Test
    @Order(6)
    void discardFreesClustersOfTheQcow2Image() throws Exception {
        ok("dd if=/root/data.bin of=/dev/vdb bs=65536 oflag=direct conv=fsync 2>/dev/null");
        assertEquals(DATA.length, allocated(0, DATA.length), qemuMap());
        long written = Files.size(qcow);

        BlkStats before = disk(1).stats();
        ok("blkdiscard -o 0 -l " + DATA.length + " /dev/vdb");
        ok("dd if=/dev/null of=/dev/vdb conv=fsync 2>/dev/null");
        BlkStats after = disk(1).stats();
        assertTrue(after.discards() > before.discards(), "blkdiscard sent DISCARD: " + after);
        assertTrue(after.flushes() > before.flushes(), after.toString());
        assertEquals(0, allocated(0, QCOW_SIZE), "the discarded clusters are unallocated:\n" + qemuMap());
        LinuxGuest.exec(dir, 60, "qemu-img", "check", "-U", "-q", qcow.toString());
        assertEquals(LinuxGuest.sha256(new byte[DATA.length]),
                out("dd if=/dev/vdb bs=65536 count=16 iflag=direct 2>/dev/null | sha256sum").split(" ")[0]);

        // The freed clusters are reused: as much data elsewhere does not grow the file.
        ok("dd if=/root/data.bin of=/dev/vdb bs=65536 seek=512 oflag=direct conv=fsync 2>/dev/null");
        assertEquals(DATA.length, allocated(32L << 20, DATA.length), qemuMap());
        assertEquals(written, Files.size(qcow), "file size after reusing the discarded clusters");
        LinuxGuest.exec(dir, 60, "qemu-img", "check", "-U", "-q", qcow.toString());
        assertEquals(LinuxGuest.sha256(DATA),
                out("dd if=/dev/vdb bs=65536 skip=512 count=16 iflag=direct 2>/dev/null | sha256sum").split(" ")[0]);
    }

    private static String qemuMap() throws Exception {
        return LinuxGuest.exec(dir, 60, "qemu-img", "map", "-U", "--output=json", qcow.toString()).strip();
    }

    /** Bytes of [from, from + length) that qemu-img map reports as data in the qcow2 file itself. */
    private static long allocated(long from, long length) throws Exception {
        Matcher m = Pattern.compile("\"start\": (\\d+), \"length\": (\\d+), \"depth\": 0, [^}]*\"data\": true")
                .matcher(qemuMap());
        long sum = 0;
        while (m.find()) {
            long a = Math.max(from, Long.parseLong(m.group(1)));
            long b = Math.min(from + length, Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)));
            sum += Math.max(0, b - a);
        }
        return sum;
    }

    @Test
    @Order(7)
    void netFramesReachTheBackendAndAnswersComeBack() throws Exception {
        assertEquals(MAC, out("cat /sys/class/net/eth0/address"));
        ok("ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0");
        String ping = out("ping -c 3 -W 5 " + PEER);
        assertTrue(ping.contains("3 packets transmitted, 3 packets received"), ping);
        long rx = Long.parseLong(out("cat /sys/class/net/eth0/statistics/rx_packets"));
        assertTrue(rx >= 4, "an ARP reply and three echo replies came in: " + rx);

        ByteBuffer p = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, p.getInt(0));
        int echoRequests = 0;
        StringBuilder seen = new StringBuilder();
        for (int at = 24; at + 16 <= p.limit(); ) {
            int len = p.getInt(at + 8);
            int frame = at + 16;
            byte[] src = new byte[6];
            p.get(frame + 6, src);
            assertEquals(MAC, String.format("%02x:%02x:%02x:%02x:%02x:%02x", src[0], src[1], src[2], src[3], src[4],
                    src[5]), "source of every frame the guest sent");
            int type = (p.get(frame + 12) & 0xff) << 8 | p.get(frame + 13) & 0xff;
            seen.append(String.format(" %04x/%d", type, len >= 24 ? p.get(frame + 23) : -1));
            boolean ipv4 = len >= 42 && type == 0x0800;
            if (ipv4 && p.get(frame + 23) == 1 && p.get(frame + 34) == 8) {
                echoRequests++;
            }
            at = frame + len;
        }
        assertTrue(echoRequests >= 3, "echo requests in the pcap: " + echoRequests + "; ethertype/protocol of each frame:" + seen);
    }

    @Test
    @Order(8)
    void consoleCarriesTextBothWays() throws Exception {
        ok("echo hello-from-guest > /dev/hvc0");
        waitFor("hvc0 output on the host", () -> read(consoleOut).contains("hello-from-guest"));

        ok("rm -f /tmp/from-host; (head -n 1 /dev/hvc0 > /tmp/from-host &); sleep 1");
        devices.get("virtio-console", 0, VirtioConsole.class).send("hello-from-host\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("hello-from-host",
                out("for i in $(seq 50); do [ -s /tmp/from-host ] && break; sleep 0.2; done; cat /tmp/from-host"));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    @Order(9)
    void rngFeedsTheKernelsHardwareRandomDevice() throws Exception {
        assertEquals("virtio_rng.0", out("cat /sys/class/misc/hw_random/rng_current"));
        String a = out("dd if=/dev/hwrng bs=32 count=1 2>/dev/null | xxd -p | tr -d '\\n'");
        String b = out("dd if=/dev/hwrng bs=32 count=1 2>/dev/null | xxd -p | tr -d '\\n'");
        assertTrue(a.matches("[0-9a-f]{64}"), a);
        assertNotEquals(a, b);
        assertNotEquals("0".repeat(64), a);
    }

    @Test
    @Order(10)
    void balloonInflatesAndDeflates() throws Exception {
        // The host side through the machine's own API, as a management layer would use it.
        List<MemoryBalloon> balloons = machine.devices(MemoryBalloon.class);
        assertEquals(1, balloons.size());
        MemoryBalloon balloon = balloons.getFirst();
        VirtioBalloon model = devices.get("virtio-balloon", 0, VirtioBalloon.class);
        long memTotal = memTotalKiB();
        long released = balloon.releasedBytes();
        long bytes = BALLOON_PAGES * 4096L;

        balloon.setTargetBytes(bytes);
        waitFor("the guest reports " + bytes + " bytes", () -> balloon.actualBytes() == bytes);
        assertEquals(BALLOON_PAGES, model.inflatedPages(), "pages the device saw go in");
        assertTrue(balloon.releasedBytes() - released >= bytes,
                "returned to the host with madvise: " + (balloon.releasedBytes() - released));
        assertEquals(memTotal - bytes / 1024, memTotalKiB(), "the guest's MemTotal shrank by the balloon");

        balloon.setTargetBytes(0);
        waitFor("the guest reports an empty balloon", () -> balloon.actualBytes() == 0 && model.inflatedPages() == 0);
        assertEquals(memTotal, memTotalKiB());
        ok("dd if=/dev/zero of=/tmp/fill bs=1M count=32 2>/dev/null && rm /tmp/fill");
    }

    private static long memTotalKiB() throws Exception {
        Matcher m = Pattern.compile("MemTotal:\\s+(\\d+) kB").matcher(out("cat /proc/meminfo"));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    /**
     * virsh save and restore with every device: the machine saved (the queues settled, their
     * positions, split and packed, the negotiated features, the MSI-X tables), the original
     * gone, a fresh machine restored from the file; Linux's drivers there go on using the
     * restored queues, including data the host put on the disk in between.
     */
    @Test
    @Order(11)
    void everyDeviceWorksAfterSaveAndRestore() throws Exception {
        Path saved = dir.resolve("virtio.save");
        machine.pause();
        machine.saveState(saved);
        machine.close();
        shell.close();
        byte[] later = new byte[4096];
        new Random(11).nextBytes(later);
        try (var f = java.nio.channels.FileChannel.open(raw, java.nio.file.StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(later), 512L * 3000);
        }

        shell = new SerialShell();
        MachineConfig.Builder twin = MachineConfig.builder(config.kernel()).memory(config.memoryBytes())
                .cpus(config.cpus()).initrd(config.initrd()).commandLine(config.commandLine())
                .accelerator(config.accelerator()).console(new Console(shell.out, shell.in));
        config.devices().forEach(twin::device);
        devices.forget();
        machine = Machines.create(twin.build(), Accelerators.all(), devices.types);
        machine.restoreState(saved);
        machine.start();

        ok("echo 3 > /proc/sys/vm/drop_caches");
        assertTrue(out("dd if=/dev/vda bs=512 skip=3000 count=8 2>/dev/null | sha256sum").startsWith(LinuxGuest.sha256(later)));
        ok("dd if=/dev/vda of=/dev/vda bs=512 skip=3000 seek=5000 count=8 conv=fsync 2>/dev/null");
        assertArrayEquals(later, Arrays.copyOfRange(Files.readAllBytes(raw), 512 * 5000, 512 * 5000 + later.length));
        assertTrue(disk(0).stats().flushes() > 0, "the restored raw disk (split queue) got the flush");
        assertEquals(LinuxGuest.sha256(DATA),
                out("dd if=/dev/vdb bs=65536 skip=512 count=16 iflag=direct 2>/dev/null | sha256sum").split(" ")[0],
                "the qcow2 disk on its packed queue");
        String ping = out("ping -c 2 -W 5 " + PEER);
        assertTrue(ping.contains("2 packets transmitted, 2 packets received"), "the NIC on packed queues: " + ping);
        assertTrue(out("dd if=/dev/hwrng bs=32 count=1 2>/dev/null | xxd -p | tr -d '\\n'").matches("[0-9a-f]{64}"));
        ok("echo after-restore > /dev/hvc0");
        waitFor("hvc0 output after the restore", () -> read(consoleOut).contains("after-restore"));
    }

    @Test
    @Order(12)
    void kernelLogIsClean() throws Exception {
        LinuxGuest.assertCleanLog(out("dmesg"));
    }
}
