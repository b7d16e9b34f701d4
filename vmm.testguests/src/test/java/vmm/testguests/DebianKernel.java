package vmm.testguests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The Debian cloud kernel that scripts/guest-material caches, and its uncompressed vmlinux
 * (for the PVH entry), extracted once per test run with the compressor's own tool.
 */
final class DebianKernel {

    private static Path vmlinux;

    private DebianKernel() {
    }

    /** Where scripts/guest-material keeps the guest material ($VMM_GUEST_CACHE or ~/.cache/vmm/guest). */
    static Path guestCache() {
        String cache = System.getenv("VMM_GUEST_CACHE");
        return cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache/vmm/guest");
    }

    static Path bzImage() throws IOException {
        Path boot = guestCache().resolve("kernel/boot");
        if (Files.isDirectory(boot)) {
            try (DirectoryStream<Path> found = Files.newDirectoryStream(boot, "vmlinuz-*")) {
                for (Path p : found) {
                    return p;
                }
            }
        }
        return fail("no Debian kernel under " + boot + ": run scripts/guest-material once to fetch it");
    }

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
        String magic = HexFormat.of().formatHex(payload, 0, 4);
        String tool = magic.startsWith("02214c18") ? "lz4" : magic.startsWith("28b52ffd") ? "zstd"
                : magic.startsWith("fd377a58") ? "xz" : magic.startsWith("1f8b") ? "gzip" : null;
        if (tool == null) {
            return fail("unknown compression of the kernel payload (magic " + magic + ")");
        }
        Path dir = Files.createDirectories(Path.of("target", "linux"));
        Path compressed = dir.resolve("payload");
        Files.write(compressed, payload);
        Path out = dir.resolve("vmlinux.tmp");
        Process p = new ProcessBuilder(tool, "-d", "-c").redirectInput(compressed.toFile())
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(tool + " did not extract the vmlinux of " + bz + " within 60 s");
        }
        assertEquals(0, p.exitValue(), tool + " -d failed on the payload of " + bz);
        Files.delete(compressed);
        vmlinux = Files.move(out, dir.resolve("vmlinux"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return vmlinux;
    }
}
