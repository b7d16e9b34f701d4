package vmm.shell.img;

import java.io.PrintStream;
import java.util.Locale;

/** qemu-img's {@code -p} progress line: "    (42.00/100%)" redrawn in place. */
final class Progress {
    private final PrintStream out;
    private final boolean enabled;
    private final long total;
    private long done;
    private int lastShown = -1;

    Progress(PrintStream out, boolean enabled, long total) {
        this.out = out;
        this.enabled = enabled;
        this.total = Math.max(total, 1);
        show();
    }

    synchronized void advance(long bytes) {
        done += bytes;
        show();
    }

    private void show() {
        if (!enabled) {
            return;
        }
        int hundredths = (int) Math.min(10_000, done * 10_000 / total);
        // Redraw only per whole percent: a terminal cannot keep up with every chunk.
        if (hundredths / 100 != lastShown / 100 || lastShown < 0) {
            lastShown = hundredths;
            out.printf(Locale.ROOT, "    (%.2f/100%%)\r", hundredths / 100.0);
            out.flush();
        }
    }

    synchronized void finish() {
        if (enabled) {
            done = total;
            lastShown = -1;
            show();
            out.println();
        }
    }
}
