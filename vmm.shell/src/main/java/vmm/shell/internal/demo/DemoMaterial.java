package vmm.shell.internal.demo;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What the {@code demo} domain boots, made from the guest material that scripts/guest-material
 * caches (Debian's cloud kernel and busybox-static): the kernel, and a small initramfs in which
 * busybox's init mounts proc, sys and dev, loads the ACPI power button and evdev modules of the
 * kernel package, starts busybox's acpid (the power button runs {@code poweroff}: init stops
 * everything and powers off through ACPI S5) and keeps a shell on ttyS0.
 */
final class DemoMaterial {

    /** The boot files. */
    record Boot(Path kernel, Path initrd) {
    }

    /** The material cannot be made; the message says what is missing and how to get it. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    static final String KERNEL = "vmlinuz";
    static final String INITRD = "initrd.img";
    /** The first line the guest prints once its init has run (tests wait for it). */
    static final String UP = "demo: Linux is up";

    private DemoMaterial() {
    }

    /** Where scripts/guest-material keeps the guest material ($VMM_GUEST_CACHE or ~/.cache/vmm/guest). */
    static Path guestCache() {
        String cache = System.getenv("VMM_GUEST_CACHE");
        return cache != null && !cache.isBlank() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".cache", "vmm", "guest");
    }

    /** Writes the kernel and the initramfs into {@code dir} (each replaced atomically). */
    static Boot build(Path cache, Path dir) throws Unavailable, IOException {
        String fetch = "; run scripts/guest-material (from the vmm checkout) to fetch Debian's cloud kernel and busybox-static";
        Path kernel = first(cache.resolve("kernel/boot"), "vmlinuz-*");
        if (kernel == null) {
            throw new Unavailable("no Debian kernel under " + cache.resolve("kernel/boot") + fetch);
        }
        Path busybox = cache.resolve("busybox/bin/busybox");
        if (!Files.isRegularFile(busybox)) {
            throw new Unavailable("no busybox-static at " + busybox + fetch);
        }
        String version = kernel.getFileName().toString().substring("vmlinuz-".length());
        Path modules = cache.resolve("kernel/lib/modules").resolve(version).resolve("kernel/drivers");
        Cpio cpio = new Cpio().copy("bin/busybox", busybox, 0755).symlink("bin/sh", "busybox")
                .symlink("init", "bin/busybox").dir("dev").dir("proc").dir("sys").dir("tmp").dir("root")
                .dir("var/log").dir("var/run")
                .file("etc/inittab", INITTAB, 0644).file("etc/init.d/rcS", RCS, 0755).file("etc/profile", PROFILE, 0644)
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644).file("etc/group", "root:x:0:\n", 0644)
                .file("etc/acpi/PWRF/00000080", POWER_BUTTON, 0755);
        // The ACPI button driver and evdev (what acpid reads) are modules of the cloud kernel.
        for (String module : new String[] {"acpi/button.ko", "input/evdev.ko"}) {
            Path ko = modules.resolve(module);
            if (!Files.isRegularFile(ko)) {
                throw new Unavailable("no " + ko + " in the kernel package (the power button needs it)" + fetch);
            }
            cpio.copy("lib/modules/" + ko.getFileName(), ko, 0644);
        }
        Files.createDirectories(dir);
        Path k = replace(dir.resolve(KERNEL), Files.readAllBytes(kernel));
        Path i = replace(dir.resolve(INITRD), cpio.bytes());
        return new Boot(k, i);
    }

    private static Path replace(Path file, byte[] data) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, data);
        return Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Path first(Path dir, String glob) throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, glob)) {
            for (Path p : found) {
                return p;
            }
        }
        return null;
    }

    private static final String INITTAB = """
            ::sysinit:/etc/init.d/rcS
            ttyS0::respawn:-/bin/sh
            ::ctrlaltdel:/bin/reboot
            ::shutdown:/bin/killall acpid
            ::shutdown:/bin/umount -a -r 2>/dev/null
            """;

    private static final String RCS = """
            #!/bin/sh
            /bin/busybox --install -s /bin
            # Debian's cloud kernel does not mount devtmpfs by itself.
            mount -t devtmpfs dev /dev
            mount -t proc proc /proc
            mount -t sysfs sys /sys
            mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
            hostname demo
            # Kernel messages stay in dmesg instead of landing in the shell's output.
            dmesg -n 1
            # The power button: its ACPI driver and the input events acpid reads are modules.
            insmod /lib/modules/button.ko
            insmod /lib/modules/evdev.ko
            acpid -c /etc/acpi -l /var/log/acpid.log
            echo "%s $(uname -r) on $(grep -c ^processor /proc/cpuinfo) vCPU(s); the ACPI power button powers it off"
            """.formatted(UP);

    private static final String PROFILE = """
            export PS1='demo:\\w# '
            export HOME=/root
            cd /root
            """;

    /** busybox acpid runs this (relative to /etc/acpi) when the power button is pressed. */
    private static final String POWER_BUTTON = """
            #!/bin/sh
            echo "demo: the power button was pressed; powering off" > /dev/console
            exec poweroff
            """;
}
