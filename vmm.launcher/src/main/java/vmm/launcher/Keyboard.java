package vmm.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The client's standard input, read by one thread, so that the line shell and a console session
 * take turns on it: what a console session does not use (the keys after Ctrl+], or typed after
 * the session ended) is left for the next line, never lost to a reader that is gone.
 */
final class Keyboard {
    /** The end of input. */
    static final byte[] END = new byte[0];

    private final InputStream in;
    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private byte[] pushedBack;
    private boolean started;
    private boolean ended;
    /** A terminal: read only what is there, so that the reader can pause while an editor has the terminal. */
    private final boolean poll;
    private volatile boolean paused;

    Keyboard(InputStream in, boolean poll) {
        this.in = in;
        this.poll = poll;
    }

    /**
     * Stops reading until {@link #resume}: a program started on the terminal (edit's editor)
     * gets the keys. On a terminal the reader never waits inside a read, so none is taken after this.
     */
    void pause() {
        paused = true;
    }

    void resume() {
        paused = false;
    }

    private synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        Thread.ofPlatform().name("vmm-keyboard").daemon().start(() -> {
            byte[] buf = new byte[4096];
            try {
                while (true) {
                    int n;
                    if (poll) {
                        int ready = paused ? 0 : in.available();
                        if (ready <= 0) {
                            Thread.sleep(10);
                            continue;
                        }
                        n = in.read(buf, 0, Math.min(ready, buf.length));
                    } else {
                        n = in.read(buf);
                    }
                    if (n <= 0) {
                        break;
                    }
                    chunks.add(Arrays.copyOf(buf, n));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // The terminal went away: the end of input, as below.
            }
            chunks.add(END);
        });
    }

    /** The next bytes typed, {@link #END} at the end of input, or null if none came within {@code millis}. */
    synchronized byte[] next(long millis) throws InterruptedException {
        start();
        if (pushedBack != null) {
            byte[] b = pushedBack;
            pushedBack = null;
            return b;
        }
        if (ended) {
            return END;
        }
        byte[] b = chunks.poll(millis, TimeUnit.MILLISECONDS);
        if (b == END) {
            ended = true;
        }
        return b;
    }

    /** Gives back bytes taken by {@link #next} but not used: the next call returns them first. */
    synchronized void unread(byte[] b, int from) {
        if (from < b.length) {
            pushedBack = Arrays.copyOfRange(b, from, b.length);
        }
    }

    /** One line without its end, or null at the end of input. */
    String readLine() throws InterruptedException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            byte[] b = next(Long.MAX_VALUE);
            if (b == null) {
                continue;
            }
            if (b == END) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            for (int i = 0; i < b.length; i++) {
                if (b[i] == '\n') {
                    line.write(b, 0, i);
                    unread(b, i + 1);
                    String s = line.toString(StandardCharsets.UTF_8);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
            }
            line.write(b, 0, b.length);
        }
    }
}
