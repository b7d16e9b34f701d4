package vmm.itest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The real launcher as a child process, its output collected as it comes. */
final class VmmProcess implements AutoCloseable {

    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();

    private VmmProcess(Process process) {
        this.process = process;
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), err);
    }

    static VmmProcess start(Path state, String... args) throws IOException {
        return start(java.util.Map.of(), state, args);
    }

    /** With extra environment variables (EDITOR for virsh's edit, say). */
    static VmmProcess start(java.util.Map<String, String> env, Path state, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Distribution.java().toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-jar", Distribution.root().resolve("vmm.launcher.jar").toString(), "--state", state.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        noDemo(pb);
        pb.environment().putAll(env);
        return new VmmProcess(pb.start());
    }

    /**
     * The demo domain is for people: a test's state folder starts without one unless the test
     * asks for it (VMM_DEMO=on in its environment).
     */
    private static void noDemo(ProcessBuilder pb) {
        pb.environment().put("VMM_DEMO", "off");
    }

    /** Any command, for tests that wrap the launcher (e.g. in a pseudo-terminal). */
    static VmmProcess startRaw(String... command) throws IOException {
        return startRaw(java.util.Map.of(), command);
    }

    /** As {@link #startRaw(String...)}, with extra environment variables. */
    static VmmProcess startRaw(java.util.Map<String, String> env, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        noDemo(pb);
        pb.environment().putAll(env);
        return new VmmProcess(pb.start());
    }

    /** Runs to completion and returns the exit status. */
    static Result run(Path state, String... args) throws IOException, InterruptedException {
        return run(java.util.Map.of(), state, args);
    }

    static Result run(java.util.Map<String, String> env, Path state, String... args)
            throws IOException, InterruptedException {
        try (VmmProcess p = start(env, state, args)) {
            p.process.getOutputStream().close();
            if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("vmm " + List.of(args) + " did not exit within 60 s; output:\n" + p.out);
            }
            p.drain();
            return new Result(p.process.exitValue(), p.out.toString(), p.err.toString());
        }
    }

    record Result(int status, String out, String err) {
    }

    private static void pump(InputStream in, StringBuffer into) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0;) {
                    into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                into.append("\n[output lost: ").append(e).append("]\n");
            }
        }, "vmm-output");
        t.setDaemon(true);
        t.start();
    }

    private void drain() throws InterruptedException {
        // The pump threads may still hold the last bytes after the process has exited.
        Thread.sleep(100);
    }

    void send(String line) throws IOException {
        OutputStream stdin = process.getOutputStream();
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    void sendRaw(String keys) throws IOException {
        OutputStream stdin = process.getOutputStream();
        stdin.write(keys.getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    void waitForOutput(String text, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!out.toString().contains(text)) {
            if (System.nanoTime() > deadline || !process.isAlive() && !out.toString().contains(text)) {
                throw new AssertionError("never saw '" + text + "'; output:\n" + out + "\nstderr:\n" + err);
            }
            Thread.sleep(50);
        }
    }

    void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    String output() {
        return out.toString();
    }

    String errors() {
        return err.toString();
    }

    /**
     * Sends {@code command} every {@code everyMs} until the output written after the first send
     * satisfies {@code done}; returns the time that took.
     */
    Duration repeatUntil(String command, long everyMs, Duration limit, Predicate<String> done)
            throws IOException, InterruptedException {
        int mark = out.length();
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        while (System.nanoTime() < deadline) {
            send(command);
            Thread.sleep(everyMs);
            if (done.test(out.substring(mark))) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
        }
        throw new AssertionError("'" + command + "' never gave the expected output within " + limit
                + "; output since:\n" + out.substring(mark) + "\nstderr:\n" + err);
    }

    int waitFor(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("vmm did not exit within " + limit + "; output:\n" + out);
        }
        drain();
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
