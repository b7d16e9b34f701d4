package vmm.core.internal.machine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Feeds the console's input stream to COM1, holding back while the UART's queue is full. */
final class ConsolePump {

    private static final Logger LOG = LoggerFactory.getLogger(ConsolePump.class);

    private final InputStream in;
    private final Board board;
    private final Thread thread;
    private volatile boolean stopped;

    ConsolePump(InputStream in, Board board) {
        this.in = in;
        this.board = board;
        this.thread = new Thread(this::pump, "vmm-console-input");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The thread may stay blocked in read() (System.in cannot be interrupted); it is a daemon. */
    void stop() {
        stopped = true;
        thread.interrupt();
    }

    private void pump() {
        byte[] buffer = new byte[512];
        try {
            int n;
            while (!stopped && (n = in.read(buffer)) >= 0) {
                byte[] pending = Arrays.copyOf(buffer, n);
                while (!stopped && pending.length > 0) {
                    int taken = board.consoleInput(pending);
                    pending = Arrays.copyOfRange(pending, taken, pending.length);
                    if (pending.length > 0) {
                        Thread.sleep(2);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("console input ended: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
