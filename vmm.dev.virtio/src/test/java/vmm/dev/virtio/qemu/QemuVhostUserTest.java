package vmm.dev.virtio.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.OpenOptions;
import vmm.dev.virtio.device.VirtioBlk;
import vmm.dev.virtio.device.VirtioRng;
import vmm.dev.virtio.uml.UmlGuest;
import vmm.dev.virtio.vhost.VhostUserBackend;
import vmm.storage.qcow2.Qcow2Format;
import vmm.storage.raw.RawFormat;

/**
 * QEMU (TCG) as a second vhost-user frontend: Debian's cloud kernel with virtio_pci,
 * virtio_blk and virtio-rng loaded from a busybox initramfs, our backends behind QEMU's
 * vhost-user-blk-pci and vhost-user-rng-pci. One boot for the class.
 */
class QemuVhostUserTest {
    @TempDir
    static Path dir;
    static String console;
    static Path image;

    static final String INIT = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
            for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk virtio-rng; do
              insmod /lib/modules/$m.ko
            done
            for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.2; done
            echo
            echo VDA_SECTORS=$(cat /sys/block/vda/size)
            echo FROM_HOST=$(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -c 14)
            echo qemu-guest-was-here | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>/dev/null
            echo RNG=$(cat /sys/devices/virtual/misc/hw_random/rng_current)
            echo RNG_BYTES=$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c)
            echo GUEST-DONE
            poweroff -f
            """;

    @BeforeAll
    static void boot() throws Exception {
        UmlGuest.requireMaterial();
        Path kernelDir = UmlGuest.cache().resolve("kernel");
        Path vmlinuz;
        Path modules;
        try (Stream<Path> s = Files.list(kernelDir.resolve("boot"))) {
            vmlinuz = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz")).findFirst().orElseThrow();
        }
        try (Stream<Path> s = Files.list(kernelDir.resolve("lib/modules"))) {
            modules = s.findFirst().orElseThrow();
        }
        Path root = dir.resolve("initramfs");
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("lib/modules"));
        for (String d : List.of("proc", "sys", "dev")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.copy(UmlGuest.cache().resolve("busybox/bin/busybox"), root.resolve("bin/busybox"));
        try (Stream<Path> s = Files.walk(modules)) {
            for (Path ko : s.filter(p -> p.toString().endsWith(".ko")).filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("virtio");
            }).toList()) {
                Files.copy(ko, root.resolve("lib/modules").resolve(ko.getFileName()));
            }
        }
        Files.writeString(root.resolve("init"), INIT);
        Files.setPosixFilePermissions(root.resolve("init"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path initrd = dir.resolve("initrd.cpio");
        Process cpio = new ProcessBuilder("sh", "-c", "find . | " + root.resolve("bin/busybox") + " cpio -o -H newc > "
                + initrd).directory(root.toFile()).redirectErrorStream(true).start();
        String cpioOut = new String(cpio.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, cpio.waitFor(), cpioOut);

        image = dir.resolve("disk.raw");
        try (FileChannel ch = FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("host-was-here!".getBytes(StandardCharsets.US_ASCII)), 0);
            ch.write(ByteBuffer.allocate(1), (8L << 20) - 1);
        }
        BlockFormats formats = BlockFormats.of(new RawFormat(), new Qcow2Format());
        BlockImage img = formats.open(image, "raw", OpenOptions.readWrite());
        VirtioBlk blk = new VirtioBlk("qemu-blk", img, "qemuserial", 1, 2);
        Path blkSock = dir.resolve("blk.sock");
        Path rngSock = dir.resolve("rng.sock");
        try (VhostUserBackend b = VhostUserBackend.listen(blk, blkSock, "qemu-blk");
             VhostUserBackend r = VhostUserBackend.listen(new VirtioRng("qemu-rng"), rngSock, "qemu-rng")) {
            console = runQemu(vmlinuz, initrd, blkSock, rngSock);
        }
        blk.close();
    }

    static String runQemu(Path kernel, Path initrd, Path blkSock, Path rngSock) throws IOException, InterruptedException {
        Path out = dir.resolve("qemu.log");
        Process p = new ProcessBuilder("qemu-system-x86_64", "-accel", "tcg", "-m", "512M", "-nographic", "-no-reboot",
                "-object", "memory-backend-memfd,id=mem,size=512M,share=on", "-numa", "node,memdev=mem",
                "-chardev", "socket,id=c0,path=" + blkSock, "-device", "vhost-user-blk-pci,chardev=c0",
                "-chardev", "socket,id=c1,path=" + rngSock, "-device", "vhost-user-rng-pci,chardev=c1",
                "-kernel", kernel.toString(), "-initrd", initrd.toString(),
                "-append", "console=ttyS0 tsc_early_khz=2000000 quiet panic=-1")
                .redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            throw new AssertionError("QEMU did not finish in 120 s:\n" + Files.readString(out));
        }
        String text = Files.readString(out);
        Files.createDirectories(Path.of("target/qemu"));
        Files.writeString(Path.of("target/qemu/console.log"), text);
        assertTrue(text.contains("GUEST-DONE"), "the guest did not reach the end of /init:\n" + text);
        return text;
    }

    @Test
    void virtioBlkOverVhostUserInQemu() throws Exception {
        assertEquals(8L << 20 >> 9, Long.parseLong(UmlGuest.value(console, "VDA_SECTORS")));
        assertEquals("host-was-here!", UmlGuest.value(console, "FROM_HOST"));
        byte[] got = new byte[19];
        try (FileChannel ch = FileChannel.open(image)) {
            ch.read(ByteBuffer.wrap(got), 4096);
        }
        assertEquals("qemu-guest-was-here", new String(got, StandardCharsets.US_ASCII));
    }

    @Test
    void virtioRngOverVhostUserInQemu() {
        assertTrue(UmlGuest.value(console, "RNG").startsWith("virtio_rng"), console);
        assertEquals("64", UmlGuest.value(console, "RNG_BYTES"));
    }
}
