package vmm.core.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The real Debian cloud kernel unpacked by scripts/guest-material, and the vmlinux inside it.
 * A missing kernel fails the test (never skips it): the tests are about that kernel.
 */
final class DebianKernel {

    private static Path vmlinux;

    private DebianKernel() {
    }

    static Path bzImage() throws IOException {
        String cache = System.getenv("VMM_GUEST_CACHE");
        Path boot = (cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache/vmm/guest"))
                .resolve("kernel/boot");
        if (Files.isDirectory(boot)) {
            try (DirectoryStream<Path> found = Files.newDirectoryStream(boot, "vmlinuz-*")) {
                for (Path p : found) {
                    return p;
                }
            }
        }
        return fail("no Debian kernel under " + boot + ": run scripts/guest-material once to fetch it");
    }

    /**
     * The uncompressed vmlinux of {@link #bzImage()}, extracted once per test run: the setup
     * header gives the payload's place, its magic gives the compressor, whose command-line tool
     * unpacks it. The kernel build appends the uncompressed size (le32) to the payload; it is
     * cut off for the tool and used to check the result.
     */
    static synchronized Path vmlinux() throws IOException, InterruptedException {
        if (vmlinux != null) {
            return vmlinux;
        }
        Path bz = bzImage();
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(bz)).order(ByteOrder.LITTLE_ENDIAN);
        int setupSects = Byte.toUnsignedInt(header.get(0x1f1));
        long start = (setupSects == 0 ? 5L : setupSects + 1L) * 512 + Integer.toUnsignedLong(header.getInt(0x248));
        int length = header.getInt(0x24c);
        byte[] payload = new byte[length - 4];
        header.get((int) start, payload);
        long expectedSize = Integer.toUnsignedLong(header.getInt((int) start + length - 4));

        String tool = decompressor(payload);
        Path dir = Files.createDirectories(Path.of("target", "loader-test"));
        Path compressed = dir.resolve("payload");
        Files.write(compressed, payload);
        Path out = dir.resolve("vmlinux.tmp");
        Process p = new ProcessBuilder(tool, "-d", "-c")
                .redirectInput(compressed.toFile())
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(tool + " did not finish extracting the vmlinux of " + bz + " within 60 s");
        }
        assertEquals(0, p.exitValue(), tool + " -d failed on the payload of " + bz);
        assertEquals(expectedSize, Files.size(out), "extracted vmlinux size vs the size appended to the payload");
        Path result = Files.move(out, dir.resolve("vmlinux"), StandardCopyOption.REPLACE_EXISTING);
        Files.delete(compressed);
        vmlinux = result;
        return result;
    }

    private static String decompressor(byte[] payload) {
        String magic = HexFormat.of().formatHex(payload, 0, 6);
        String tool;
        if (magic.startsWith("02214c18")) {
            tool = "lz4"; // legacy LZ4 frame, as the kernel's CONFIG_KERNEL_LZ4 writes it
        } else if (magic.startsWith("28b52ffd")) {
            tool = "zstd";
        } else if (magic.startsWith("fd377a585a00")) {
            tool = "xz";
        } else if (magic.startsWith("1f8b")) {
            tool = "gzip";
        } else {
            return fail("unknown compression of the kernel payload (magic " + magic + ")");
        }
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return tool;
            }
        }
        return fail("the kernel payload is " + tool + "-compressed but the " + tool
                + " tool is missing: run scripts/guest-material --tools or apt-get install " + tool);
    }
}
