package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.core.machine.Console;
import vmm.core.machine.DeviceSpec;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.Machines;
import vmm.dev.ide.ClassPathIdeType;
import vmm.dev.ide.PiixIde;

/**
 * Linux's own ata_piix/libata drivers (modules of Debian's cloud kernel) on our PIIX4 IDE
 * function, in our machine on the software CPU, one boot: the disk is found as /dev/sda with
 * its size, the bus-master DMA path carries the data both ways, and a flush reaches the file.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinuxIdeTest {
    static final int SECTORS = 16384; // 8 MiB
    static final Duration COMMAND = Duration.ofSeconds(120);
    static final String CMDLINE = LinuxGuest.CMDLINE + " tsc=reliable";
    static final List<String> MODULES = List.of("scsi_common", "scsi_mod", "sd_mod", "libata", "ata_piix");

    @TempDir
    static Path dir;
    static Path raw;
    static byte[] hostPattern;
    static final AtomicReference<PiixIde> ide = new AtomicReference<>();
    static Machine machine;
    static MachineConfig config;
    static List<DeviceType> types;
    static SerialShell shell;

    @BeforeAll
    static void boot() throws Exception {
        raw = dir.resolve("disk.raw");
        byte[] disk = new byte[SECTORS * 512];
        hostPattern = new byte[4096];
        new Random(42).nextBytes(hostPattern);
        System.arraycopy(hostPattern, 0, disk, 512 * 100, hostPattern.length);
        Files.write(raw, disk);

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

        DeviceType real = new ClassPathIdeType();
        DeviceType capturing = new DeviceType() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public BusDevice create(DeviceContext ctx, Map<String, String> config) {
                BusDevice d = real.create(ctx, config);
                ide.set((PiixIde) d);
                return d;
            }
        };
        shell = new SerialShell();
        config = MachineConfig.builder(DebianKernel.vmlinux()).memory(256L << 20).cpus(1)
                .initrd(initrd.toString()).commandLine(CMDLINE).accelerator("emu")
                .console(new Console(shell.out, shell.in))
                .device(DeviceSpec.parse("ide,file=" + raw + ",format=raw"))
                .build();
        types = List.of(capturing);
        machine = Machines.create(config, Accelerators.all(), types);
        machine.start();
        Duration boot = Duration.ofSeconds(240);
        int at = shell.await(Pattern.compile(Pattern.quote(LinuxGuest.INIT_DONE)), 0, boot).end();
        shell.await(LinuxGuest.PROMPT, at, boot);
        for (String m : MODULES) {
            ok("insmod /lib/modules/" + m + ".ko");
        }
        ok("for i in $(seq 150); do [ -b /dev/sda ] && break; sleep 0.2; done; [ -b /dev/sda ]");
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

    @Test
    @Order(1)
    void ataPiixFindsTheDiskWithItsSizeInDmaMode() throws Exception {
        assertEquals(String.valueOf(SECTORS), out("cat /sys/block/sda/size"));
        String log = out("dmesg | grep -E 'ata[0-9]|scsi|sd '");
        assertTrue(log.contains("ata1.00: ATA-7: VMM HARDDISK"), log);
        assertTrue(log.contains("ata1.00: 16384 sectors, multi 0: LBA48"), log);
        // libata programmed the transfer mode with SET FEATURES: the PIIX4's best, UDMA/33
        assertEquals("XFER_UDMA_2", out("cat /sys/class/ata_device/dev1.0/xfer_mode"));
        assertEquals(0x42, ide.get().transferMode(0), "SET FEATURES reached the drive");
        assertTrue(log.contains("bmdma 0x"), "the bus master's BAR 4 is in use:\n" + log);
        assertTrue(log.contains("irq 14"), log);
        assertEquals("ata_piix", out("basename $(readlink /sys/bus/pci/devices/*/driver | grep ata_piix)"));
    }

    @Test
    @Order(2)
    void guestReadsWhatTheHostWroteByDma() throws Exception {
        long before = ide.get().dmaSectors();
        String sum = out("dd if=/dev/sda bs=512 skip=100 count=8 iflag=direct 2>/dev/null | sha256sum");
        assertTrue(sum.startsWith(LinuxGuest.sha256(hostPattern)), sum);
        assertTrue(ide.get().dmaSectors() >= before + 8, "the read went through the bus master: "
                + before + " -> " + ide.get().dmaSectors());
    }

    @Test
    @Order(3)
    void hostReadsWhatTheGuestWroteAfterItsFlush() throws Exception {
        long dma = ide.get().dmaSectors();
        long flushes = ide.get().flushes();
        ok("dd if=/dev/sda of=/dev/sda bs=512 skip=100 seek=2000 count=8 iflag=direct oflag=direct conv=fsync 2>/dev/null");
        assertTrue(ide.get().flushes() > flushes, "fsync sent FLUSH CACHE (EXT)");
        assertTrue(ide.get().dmaSectors() >= dma + 16, "read and write by DMA");
        byte[] disk = Files.readAllBytes(raw);
        assertArrayEquals(hostPattern, Arrays.copyOfRange(disk, 512 * 2000, 512 * 2000 + hostPattern.length));
    }

    /** virsh save and restore: the controller's state comes back and ata_piix goes on using it. */
    @Test
    @Order(4)
    void theDiskWorksAfterSaveAndRestore() throws Exception {
        Path saved = dir.resolve("ide.save");
        machine.pause();
        machine.saveState(saved);
        machine.close();
        shell.close();
        byte[] later = new byte[4096];
        new Random(11).nextBytes(later);
        try (var f = java.nio.channels.FileChannel.open(raw, java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(later), 512L * 3000);
        }
        shell = new SerialShell();
        MachineConfig.Builder twin = MachineConfig.builder(config.kernel()).memory(config.memoryBytes())
                .cpus(config.cpus()).initrd(config.initrd()).commandLine(config.commandLine())
                .accelerator(config.accelerator()).console(new Console(shell.out, shell.in));
        config.devices().forEach(twin::device);
        machine = Machines.create(twin.build(), Accelerators.all(), types);
        machine.restoreState(saved);
        machine.start();
        long dma = ide.get().dmaSectors();
        assertTrue(out("dd if=/dev/sda bs=512 skip=3000 count=8 iflag=direct 2>/dev/null | sha256sum")
                .startsWith(LinuxGuest.sha256(later)));
        ok("dd if=/dev/sda of=/dev/sda bs=512 skip=3000 seek=5000 count=8 iflag=direct oflag=direct conv=fsync 2>/dev/null");
        assertArrayEquals(later, Arrays.copyOfRange(Files.readAllBytes(raw), 512 * 5000, 512 * 5000 + later.length));
        assertTrue(ide.get().dmaSectors() >= dma + 16, "DMA on the restored controller");
        assertTrue(ide.get().flushes() > 0, "the flush on the restored controller");
    }

    @Test
    @Order(5)
    void kernelLogIsClean() throws Exception {
        String log = out("dmesg");
        LinuxGuest.assertCleanLog(log);
        for (String bad : List.of("exception Emask", "failed command", "timeout", "nobody cared", "limiting speed",
                "falling back to PIO")) {
            assertTrue(!log.contains(bad), "'" + bad + "' in the kernel log:\n" + log);
        }
        assertEquals(0, ide.get().errors(), "no command failed");
    }
}
