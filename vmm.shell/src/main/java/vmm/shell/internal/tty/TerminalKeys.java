package vmm.shell.internal.tty;

import java.io.IOException;
import java.io.InputStream;

import org.jline.utils.NonBlockingInputStream;

/**
 * Keys from a session's keyboard with a timeout, so a console session can also notice that its
 * domain stopped without a reader left blocked on the terminal (which would eat the next key
 * meant for the shell). jline's terminal input reads with a timeout; other streams are polled
 * through {@code available()} (jline's says 0 always).
 */
public final class TerminalKeys {
    /** Nothing came within the timeout. */
    public static final int NONE = 0;

    private final InputStream in;
    private final NonBlockingInputStream jline;

    private TerminalKeys(InputStream in, NonBlockingInputStream jline) {
        this.in = in;
        this.jline = jline;
    }

    /**
     * The keys of {@code keyboard}; {@code jlineSession} says the session is Gogo's jline shell
     * (only then is jline known to be there).
     */
    public static TerminalKeys of(InputStream keyboard, boolean jlineSession) {
        if (jlineSession && keyboard instanceof NonBlockingInputStream nb) {
            return new TerminalKeys(keyboard, nb);
        }
        return new TerminalKeys(keyboard, null);
    }

    /** Reads what was typed into {@code buf}: a count, {@link #NONE} after {@code millis}, or -1 at the end. */
    public int read(byte[] buf, long millis) throws IOException, InterruptedException {
        if (jline != null) {
            int n = jline.readBuffered(buf, millis);
            return n == NonBlockingInputStream.READ_EXPIRED ? NONE : n;
        }
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (in.available() <= 0) {
            if (System.nanoTime() >= deadline) {
                return NONE;
            }
            Thread.sleep(Math.min(20, millis));
        }
        return in.read(buf, 0, Math.min(buf.length, in.available()));
    }
}
