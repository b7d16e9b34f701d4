package vmm.itest;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.itest.crash.CrashWriter;

/**
 * kill -9 of a process writing a qcow2 image, again and again: afterwards qemu-img check finds
 * no corruption (leaked clusters are allowed, as in QEMU), and every write that a completed
 * flush covered reads back, unless a later write to the same block may have replaced it.
 */
class CrashSafetyTest {
    private static final Logger LOG = LoggerFactory.getLogger(CrashSafetyTest.class);
    private static final int ROUNDS = 8;
    private static final int PER_FLUSH = 16;

    @TempDir
    Path dir;

    @Test
    void killedWriterNeverCorruptsTheImage() throws Exception {
        Path image = dir.resolve("crash.qcow2");
        run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=65536", image.toString(), "64M");
        // Per block: the writes that may be its content now (the last durable one and any after it).
        Map<Long, Set<Long>> acceptable = new HashMap<>();
        Random random = new Random(42);
        for (int round = 0; round < ROUNDS; round++) {
            long first = round * 1_000_000L + 1;
            long flushed = killMidway(image, first, 300 + random.nextInt(1200));
            long attempted = flushed + PER_FLUSH * 4L;
            for (long i = first; i <= attempted; i++) {
                long block = CrashWriter.offsetOf(i);
                if (i <= flushed) {
                    acceptable.put(block, new HashSet<>(Set.of(i)));
                } else {
                    acceptable.computeIfAbsent(block, b -> new HashSet<>(Set.of(0L))).add(i);
                }
            }
            var check = runStatus("qemu-img", "check", image.toString());
            assertNotEquals(2, check.status, "round " + round + ": qemu-img check found corruption:\n" + check.out);
            assertTrue(check.status == 0 || check.status == 3, "round " + round + ": qemu-img check:\n" + check.out);
            LOG.info("round {}: killed after write {} (flushed up to {}); qemu-img check status {}", round, first,
                    flushed, check.status);
        }
        Path raw = dir.resolve("crash.raw");
        run("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString());
        try (FileChannel ch = FileChannel.open(raw)) {
            ByteBuffer buf = ByteBuffer.allocate(CrashWriter.BLOCK);
            ByteBuffer expected = ByteBuffer.allocate(CrashWriter.BLOCK);
            for (var e : acceptable.entrySet()) {
                buf.clear();
                ch.read(buf, e.getKey());
                buf.flip();
                long found = buf.getLong(0);
                assertTrue(e.getValue().contains(found), "block at " + e.getKey() + " holds write " + found
                        + ", expected one of " + e.getValue());
                if (found != 0) {
                    CrashWriter.fill(expected, found);
                    assertTrue(buf.equals(expected), "block at " + e.getKey() + " is torn inside write " + found);
                }
            }
        }
    }

    /** Starts a writer, kills it with SIGKILL after {@code millis}, returns the last flushed write. */
    private long killMidway(Path image, long first, long millis) throws Exception {
        String cp = System.getProperty("java.class.path") + File.pathSeparator
                + Distribution.root().resolve("bundles").toString() + File.separator + "*";
        Process p = new ProcessBuilder(Distribution.java().toString(), "-cp", cp, CrashWriter.class.getName(),
                image.toString(), Long.toString(first), Integer.toString(PER_FLUSH)).redirectErrorStream(true).start();
        AtomicLong flushed = new AtomicLong(first - 1);
        List<String> other = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    if (line.startsWith("flushed ")) {
                        flushed.set(Long.parseLong(line.substring(8)));
                    } else {
                        other.add(line);
                    }
                }
            } catch (java.io.IOException e) {
                other.add("reader: " + e);
            }
        });
        reader.start();
        // Wait for the first flush so that every round kills a writer that is really writing.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (flushed.get() < first && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(10);
        }
        assertTrue(p.isAlive(), "writer died by itself: " + other);
        Thread.sleep(millis);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        reader.join(5000);
        assertTrue(flushed.get() >= first, "writer flushed nothing: " + other);
        return flushed.get();
    }

    private record Status(int status, String out) {
    }

    private static Status runStatus(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return new Status(p.exitValue(), out);
    }

    private static void run(String... cmd) throws Exception {
        Status s = runStatus(cmd);
        assertTrue(s.status == 0, String.join(" ", cmd) + ": " + s.out);
    }
}
