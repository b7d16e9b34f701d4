package vmm.shell.img;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A short pass over the image tool's hot paths, run once by {@code ./vmm} to train the JVM's
 * ahead-of-time cache ({@code -XX:AOTCacheOutput}): later runs start with the classes loaded
 * and linked and with method profiles, so a sub-second {@code vmm img} spends its time on I/O
 * rather than on warming up.
 *
 * <p>Argument: an empty scratch folder (the caller removes it).
 */
public final class ImgTraining {

    private ImgTraining() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        ImgTool tool = new ImgTool(ImgTool.serviceLoaderFormats(), new PrintStream(OutputStream.nullOutputStream()),
                System.err);
        String raw = dir.resolve("t.raw").toString();
        String qcow2 = dir.resolve("t.qcow2").toString();
        String overlay = dir.resolve("o.qcow2").toString();
        run(tool, "create", "-q", "-f", "raw", raw, "64M");
        run(tool, "bench", "-q", "-w", "--pattern=90", "-f", "raw", "-c", "1024", "-d", "4", "-s", "64k", raw);
        run(tool, "convert", "-f", "raw", "-O", "qcow2", raw, qcow2);
        run(tool, "convert", "-c", "-f", "raw", "-O", "qcow2", raw, dir.resolve("c.qcow2").toString());
        run(tool, "convert", "-f", "qcow2", "-O", "raw", qcow2, dir.resolve("back.raw").toString());
        run(tool, "bench", "-q", "-f", "qcow2", "-c", "20000", "-d", "4", "-s", "4k", "-S", "1654784", qcow2);
        run(tool, "bench", "-q", "-f", "qcow2", "-c", "1024", "-d", "4", "-s", "64k", qcow2);
        run(tool, "bench", "-q", "-f", "raw", "-c", "20000", "-d", "4", "-s", "4k", "-S", "1654784", raw);
        run(tool, "create", "-q", "-f", "qcow2", "-b", qcow2, "-F", "qcow2", overlay);
        run(tool, "bench", "-q", "-w", "-f", "qcow2", "-c", "20000", "-d", "4", "-s", "4k", "-S", "1654784", overlay);
        run(tool, "bench", "-q", "-w", "-f", "qcow2", "-c", "512", "-d", "4", "-s", "64k", overlay);
        run(tool, "convert", "-O", "qcow2", overlay, dir.resolve("flat.qcow2").toString());
        run(tool, "info", "--output=json", qcow2);
        run(tool, "check", qcow2);
        run(tool, "map", "--output=json", overlay);
        run(tool, "compare", raw, qcow2);
    }

    private static void run(ImgTool tool, String... args) {
        int status = tool.execute(List.of(args));
        if (status != 0) {
            throw new IllegalStateException("training step " + List.of(args) + " ended with status " + status);
        }
    }
}
