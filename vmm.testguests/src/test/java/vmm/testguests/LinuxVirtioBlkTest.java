package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.device.DeviceType;
import vmm.core.machine.Console;
import vmm.core.machine.DeviceSpec;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.Machines;

/**
 * Linux's own virtio_pci and virtio_blk drivers (modules of Debian's cloud kernel) on our
 * virtio-blk PCI function, in our machine on the software CPU: the driver sees the disk's size,
 * reads what the host wrote and writes what the host then reads from the image file. One boot.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxVirtioBlkTest {
    static final int SECTORS = 8192; // 4 MiB
    static final List<String> MODULES = List.of("virtio_ring", "virtio", "virtio_pci_legacy_dev",
            "virtio_pci_modern_dev", "virtio_pci", "virtio_blk");

    @TempDir
    static Path dir;
    static Path image;
    static byte[] hostPattern;
    static Machine machine;
    static SerialShell shell;
    static MachineConfig config;
    static List<DeviceType> types;

    @BeforeAll
    static void boot() throws Exception {
        image = dir.resolve("disk.raw");
        byte[] disk = new byte[SECTORS * 512];
        hostPattern = new byte[4096];
        new Random(42).nextBytes(hostPattern);
        System.arraycopy(hostPattern, 0, disk, 512 * 100, hostPattern.length);
        Files.write(image, disk);

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
        Path initrd = initramfs.write(dir.resolve("initramfs.cpio"));

        shell = new SerialShell();
        config = MachineConfig.builder(DebianKernel.vmlinux()).memory(512L << 20).cpus(1)
                .initrd(initrd.toString()).commandLine(LinuxGuest.CMDLINE).accelerator("emu")
                .console(new Console(shell.out, shell.in))
                .device(DeviceSpec.parse("virtio-blk,file=" + image + ",format=raw")).build();
        types = ServiceLoader.load(DeviceType.class).stream().map(ServiceLoader.Provider::get).toList();
        machine = Machines.create(config, Accelerators.all(), types);
        machine.start();
        Duration boot = Duration.ofSeconds(180);
        int at = shell.await(Pattern.compile(Pattern.quote(LinuxGuest.INIT_DONE)), 0, boot).end();
        shell.await(LinuxGuest.PROMPT, at, boot);
        for (String m : MODULES) {
            SerialShell.Result r = shell.run("insmod /lib/modules/" + m + ".ko", Duration.ofSeconds(60));
            assertEquals(0, r.status(), "insmod " + m + ":\n" + r.output());
        }
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
        SerialShell.Result r = shell.run(command, Duration.ofSeconds(60));
        assertEquals(0, r.status(), command + ":\n" + r.output());
        return r;
    }

    @Test
    @Order(1)
    void driverSeesTheDiskSize() throws Exception {
        ok("for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 1; done");
        assertEquals(String.valueOf(SECTORS), ok("cat /sys/block/vda/size").output().strip());
        assertTrue(ok("cat /sys/bus/pci/devices/*/vendor /sys/bus/pci/devices/*/device").output().contains("0x1042"),
                "a modern virtio-blk PCI function (1af4:1042)");
    }

    @Test
    @Order(2)
    void guestReadsWhatTheHostWrote() throws Exception {
        String sum = ok("dd if=/dev/vda bs=512 skip=100 count=8 2>/dev/null | sha256sum").output().strip();
        assertTrue(sum.startsWith(LinuxGuest.sha256(hostPattern)), sum);
    }

    @Test
    @Order(3)
    void hostReadsWhatTheGuestWrote() throws Exception {
        ok("dd if=/dev/vda of=/dev/vda bs=512 skip=100 seek=2000 count=8 conv=fsync 2>/dev/null");
        ok("sync");
        byte[] disk = Files.readAllBytes(image);
        assertArrayEquals(hostPattern, Arrays.copyOfRange(disk, 512 * 2000, 512 * 2000 + hostPattern.length));
    }

    /**
     * virsh save and restore with a virtio disk: the machine saved (the queues settled, their
     * indices, the negotiated features, the MSI-X table), the original gone, a fresh machine
     * restored from the file; Linux's driver there goes on reading and writing through the
     * restored queues, including data the host put on the disk in between.
     */
    @Test
    @Order(4)
    void theDiskWorksAfterSaveAndRestore() throws Exception {
        Path saved = dir.resolve("virtio.save");
        machine.pause();
        machine.saveState(saved);
        machine.close();
        shell.close();
        byte[] later = new byte[4096];
        new Random(7).nextBytes(later);
        try (var f = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(later), 512L * 3000);
        }

        shell = new SerialShell();
        MachineConfig twin = MachineConfig.builder(config.kernel()).memory(config.memoryBytes()).cpus(config.cpus())
                .initrd(config.initrd()).commandLine(config.commandLine()).accelerator(config.accelerator())
                .console(new Console(shell.out, shell.in)).device(config.devices().getFirst()).build();
        machine = Machines.create(twin, Accelerators.all(), types);
        machine.restoreState(saved);
        machine.start();
        ok("echo 3 > /proc/sys/vm/drop_caches");
        String sum = ok("dd if=/dev/vda bs=512 skip=3000 count=8 2>/dev/null | sha256sum").output().strip();
        assertTrue(sum.startsWith(LinuxGuest.sha256(later)), sum);
        ok("dd if=/dev/vda of=/dev/vda bs=512 skip=3000 seek=5000 count=8 conv=fsync 2>/dev/null");
        byte[] disk = Files.readAllBytes(image);
        assertArrayEquals(later, Arrays.copyOfRange(disk, 512 * 5000, 512 * 5000 + later.length));
    }
}
