package vmm.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.CreateOptions;
import vmm.core.block.OpenOptions;

/** Runs qemu-img / qemu-io, the oracle these tests compare against. */
final class Qemu {

    static final Qcow2Format QCOW2 = new Qcow2Format();
    static final BlockFormats FORMATS = BlockFormats.of(QCOW2, new vmm.storage.raw.RawFormat());

    record Result(int exit, String out) {
    }

    private Qemu() {
    }

    static Result run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    /** Runs a command that must succeed. */
    static String ok(String... cmd) throws IOException, InterruptedException {
        Result r = run(cmd);
        assertEquals(0, r.exit(), () -> String.join(" ", cmd) + " failed:\n" + r.out());
        return r.out();
    }

    static String io(Path image, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image.toString());
        return ok(cmd.toArray(String[]::new));
    }

    /** The guest view of an image as qemu-img converts it to raw. */
    static byte[] rawOf(Path image) throws IOException, InterruptedException {
        Path raw = image.resolveSibling(image.getFileName() + ".ref.raw");
        Files.deleteIfExists(raw);
        ok("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString());
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }

    /** The guest view of an image as this implementation reads it. */
    static byte[] readAll(Path image) throws IOException {
        try (BlockImage img = FORMATS.open(image, "qcow2", OpenOptions.readOnlyImage())) {
            ByteBuffer b = ByteBuffer.allocate((int) img.size());
            img.read(0, b);
            return b.array();
        }
    }

    static void assertSameContents(Path image) throws IOException, InterruptedException {
        assertArrayEquals(rawOf(image), readAll(image), "contents of " + image);
    }

    /** qemu-img check must find nothing wrong (exit 0). */
    static String assertQemuCheckClean(Path image) throws IOException, InterruptedException {
        Result r = run("qemu-img", "check", image.toString());
        assertEquals(0, r.exit(), () -> "qemu-img check " + image + ":\n" + r.out());
        return r.out();
    }

    static void create(Path image, long size, Map<String, String> options) throws IOException {
        QCOW2.create(image, new CreateOptions(size, options), FORMATS);
    }

    static BlockImage open(Path image) throws IOException {
        return FORMATS.open(image, "qcow2", OpenOptions.readWrite());
    }
}
