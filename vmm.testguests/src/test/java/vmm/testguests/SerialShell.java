package vmm.testguests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A shell on the guest's serial console: what the guest writes is collected, what the test
 * types is queued for the machine's console reader. {@link #run} wraps a command between two
 * markers that the typed line itself does not contain (the shell echoes what it is sent), and
 * returns the command's output and exit status.
 */
final class SerialShell {

    record Result(String output, int status) {
    }

    private final ByteArrayOutputStream collected = new ByteArrayOutputStream();
    private final LinkedBlockingQueue<byte[]> typed = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private int sequence;

    /** Where the guest's bytes go (the machine's console output). */
    final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) {
            synchronized (collected) {
                collected.write(b);
                collected.notifyAll();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (collected) {
                collected.write(b, off, len);
                collected.notifyAll();
            }
        }
    };

    /** What the guest reads (the machine's console input); blocks until the test types. */
    final InputStream in = new InputStream() {
        private byte[] current = new byte[0];
        private int pos;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (pos >= current.length) {
                if (closed) {
                    return -1;
                }
                try {
                    byte[] next = typed.poll(100, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        current = next;
                        pos = 0;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    };

    /** Everything the guest wrote so far (carriage returns dropped). */
    String text() {
        synchronized (collected) {
            return collected.toString(StandardCharsets.ISO_8859_1).replace("\r", "");
        }
    }

    void type(String s) {
        typed.add(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Waits until the console output from {@code from} on matches {@code pattern}; returns the match. */
    Matcher await(Pattern pattern, int from, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (collected) {
            while (true) {
                String t = text();
                Matcher m = pattern.matcher(t);
                if (m.find(Math.min(from, t.length()))) {
                    return m;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no " + pattern + " on the console within " + timeout);
                }
                collected.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Runs {@code command} in the guest's shell; its output (stdout and stderr) and exit status. */
    Result run(String command, Duration timeout) throws TimeoutException, InterruptedException {
        int n = ++sequence;
        int from = text().length();
        // The markers are split by quotes in the typed line, so only the output forms them whole.
        type("echo '@@B'" + n + "; " + command + " 2>&1; echo '@@E'" + n + " $?\n");
        Matcher begin = await(Pattern.compile("@@B" + n + "\n"), from, timeout);
        Matcher end = await(Pattern.compile("@@E" + n + " (\\d+)\n"), begin.end(), timeout);
        String all = text();
        return new Result(all.substring(begin.end(), end.start()), Integer.parseInt(end.group(1)));
    }

    void close() {
        closed = true;
    }
}
