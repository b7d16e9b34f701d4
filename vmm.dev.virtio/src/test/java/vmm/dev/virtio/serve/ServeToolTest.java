package vmm.dev.virtio.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.dev.virtio.uml.UmlGuest;

/**
 * {@code vmm serve} as its own process (the product's class path, no framework) serving a qcow2
 * image to user-mode Linux, then checked with qemu-img and qemu-io; and its error reporting.
 */
class ServeToolTest {
    @TempDir
    Path dir;

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    @Test
    void servesAQcow2ImageToLinux() throws Exception {
        Path img = dir.resolve("disk.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M");
        Path sock = dir.resolve("blk.sock");
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ServeTool.class.getName(), "--vhost-user-blk", sock.toString(), "--image", img.toString(),
                "--format", "qcow2").redirectErrorStream(true).redirectOutput(dir.resolve("serve.log").toFile()).start();
        try {
            for (int i = 0; i < 100 && !Files.exists(sock); i++) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(sock), "socket created: " + Files.readString(dir.resolve("serve.log")));
            String console = UmlGuest.run(dir, """
                    insmod /lib/modules/virtio_blk.ko
                    for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.2; done
                    echo SECTORS=$(cat /sys/block/vda/size)
                    tr '\\0' 'Z' < /dev/zero | head -c 1048576 | dd of=/dev/vda bs=65536 seek=16 oflag=direct conv=fsync 2>/dev/null
                    """, List.of(sock + ":2"), "128M", 60);
            assertEquals(16L * 1024 * 2, Long.parseLong(UmlGuest.value(console, "SECTORS")));
        } finally {
            serve.destroy();  // SIGTERM: the shutdown hook closes the image cleanly
            assertTrue(serve.waitFor(20, TimeUnit.SECONDS));
        }
        assertTrue(!Files.exists(sock), "socket removed at exit");
        run("qemu-img", "check", "-q", img.toString());
        String io = run("qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 1M 1M", img.toString());
        assertTrue(io.contains("read 1048576/1048576"), io);
    }

    @Test
    void usageAndImageErrorsAreNamed() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, ServeTool.run(new String[] {"--vhost-user-blk"}, System.out, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("needs a value"));
        err.reset();
        assertEquals(2, ServeTool.run(new String[] {"--vhost-user-disk", "x"}, System.out, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown device 'disk'"));
        err.reset();
        assertEquals(1, ServeTool.run(new String[] {"--vhost-user-blk", dir.resolve("s").toString(), "--image",
                dir.resolve("missing.qcow2").toString()}, System.out, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("missing.qcow2"), err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(1, ServeTool.run(new String[] {"--vhost-user-blk", dir.resolve("s").toString()}, System.out, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("needs --image"));
    }
}
