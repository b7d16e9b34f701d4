package vmm.dev.virtio.uml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;


/**
 * Boots Debian's user-mode Linux with a hostfs root made of busybox-static, the UML virtio
 * modules and a generated /init, attached to vhost-user sockets; returns what the guest printed.
 * The guest material comes from scripts/guest-material (~/.cache/vmm/guest or $VMM_GUEST_CACHE).
 */
public final class UmlGuest {

    private UmlGuest() {
    }

    public static Path cache() {
        String env = System.getenv("VMM_GUEST_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache/vmm/guest");
    }

    static Path uml() {
        return cache().resolve("uml/usr/bin/linux.uml");
    }

    static Path modules() throws IOException {
        try (Stream<Path> s = Files.list(cache().resolve("uml/usr/lib/uml/modules"))) {
            return s.findFirst().orElseThrow(() -> new IOException("no UML modules under " + cache()));
        }
    }

    private static Path shim;

    /**
     * The xstate shim (src/test/resources/uml/xstate-shim.c, built with gcc once per JVM):
     * without it UML 6.1 cannot run user space on hosts with AVX-512 or AMX.
     */
    static synchronized Path shim() throws IOException, InterruptedException {
        if (shim == null) {
            Path dir = Files.createTempDirectory("uml-shim");
            Path src = dir.resolve("xstate-shim.c");
            try (var in = UmlGuest.class.getResourceAsStream("/uml/xstate-shim.c")) {
                Files.copy(in, src);
            }
            Path so = dir.resolve("xstate-shim.so");
            Process p = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-o", so.toString(), src.toString(),
                    "-ldl").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IOException("gcc failed on the UML xstate shim: " + out);
            }
            shim = so;
        }
        return shim;
    }

    /** Fails the test when the guest material is missing: it is part of the build's setup. */
    public static void requireMaterial() {
        if (!Files.isExecutable(uml()) || !Files.isExecutable(cache().resolve("busybox/bin/busybox"))) {
            throw new IllegalStateException("user-mode Linux or busybox missing under " + cache()
                    + ": run scripts/guest-material");
        }
    }

    /**
     * Boots the guest and waits for it to power off.
     *
     * @param work    a scratch folder for the root
     * @param init    the body of /init (a busybox sh script); it should end with poweroff -f
     * @param devices {@code socket:virtio-id} for each vhost-user device
     * @return everything the guest wrote on its console
     */
    public static String run(Path work, String init, List<String> devices, String mem, int timeoutSeconds)
            throws IOException, InterruptedException {
        requireMaterial();
        Path root = work.resolve("root");
        Files.createDirectories(root.resolve("bin"));
        for (String d : List.of("proc", "sys", "dev", "tmp", "lib/modules")) {
            Files.createDirectories(root.resolve(d));
        }
        Path bb = root.resolve("bin/busybox");
        if (!Files.exists(bb)) {
            Files.copy(cache().resolve("busybox/bin/busybox"), bb);
            Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
            try (Stream<Path> s = Files.walk(modules())) {
                for (Path ko : s.filter(p -> p.toString().endsWith(".ko")).toList()) {
                    Files.copy(ko, root.resolve("lib/modules").resolve(ko.getFileName()));
                }
            }
        }
        Path initFile = root.resolve("init");
        Files.writeString(initFile, "#!/bin/busybox sh\n/bin/busybox --install -s /bin\nexport PATH=/bin\n"
                + "mount -t proc proc /proc\nmount -t sysfs sys /sys\nmount -t devtmpfs dev /dev\n" + init
                + "\necho GUEST-DONE\npoweroff -f\n");
        Files.setPosixFilePermissions(initFile, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cmd = new ArrayList<>(List.of(uml().toString(), "mem=" + mem, "root=/dev/root",
                "rootfstype=hostfs", "rootflags=" + root, "rw", "init=/init", "con=null", "con0=null,fd:1",
                "quiet"));
        for (String d : devices) {
            cmd.add("virtio_uml.device=" + d);
        }
        Path out = work.resolve("console.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("TMPDIR", work.toString());
        pb.environment().put("LD_PRELOAD", shim().toString());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
            throw new AssertionError("user-mode Linux did not finish in " + timeoutSeconds + " s; console:\n"
                    + Files.readString(out));
        }
        String console = Files.readString(out);
        // Kept for diagnosis: target/ survives the test's temporary folder.
        Files.createDirectories(Path.of("target/uml"));
        Files.copy(out, Path.of("target/uml").resolve(work.getFileName() + ".log"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        if (!console.contains("GUEST-DONE")) {
            throw new AssertionError("the guest did not reach the end of /init; console:\n" + console);
        }
        return console;
    }

    /** The value printed by the guest as {@code KEY=value} on its own line. */
    public static String value(String console, String key) {
        for (String line : console.split("\r?\n")) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        throw new AssertionError("the guest printed no " + key + "=; console:\n" + console);
    }
}
