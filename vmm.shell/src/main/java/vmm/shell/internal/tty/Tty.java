package vmm.shell.internal.tty;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controlling terminal's modes, set and restored through stty(1) on {@code /dev/tty}: what
 * a serial console needs from the user's terminal (keys as they are typed, no local echo).
 */
public final class Tty {
    private static final Logger LOG = LoggerFactory.getLogger(Tty.class);

    /** virsh console's mode (cfmakeraw): every key, Ctrl+C and Ctrl+] included, goes through as a byte. */
    public static final List<String> RAW = List.of("raw", "-echo");
    /**
     * QEMU's {@code -serial stdio} mode: keys as typed, no local echo, no CR-to-NL, but Ctrl+C
     * still signals (it stops the VMM, as it stops QEMU).
     */
    public static final List<String> CHARACTERS = List.of("-echo", "-icanon", "-iexten", "-icrnl", "-inlcr", "-igncr",
            "-ixon", "min", "1", "time", "0");

    /** Puts the modes back as they were. */
    @FunctionalInterface
    public interface Restore extends AutoCloseable {
        @Override
        void close();
    }

    private Tty() {
    }

    /** Whether this process's standard input is a terminal. */
    public static boolean stdinIsTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /**
     * Sets {@code modes} on the controlling terminal; the handle restores the previous modes.
     * Without a terminal (or stty), nothing changes and the handle does nothing; the log says why.
     */
    public static Restore set(List<String> modes) {
        String saved = stty(List.of("-g"));
        if (saved == null || stty(modes) == null) {
            return () -> { };
        }
        String previous = saved.strip();
        return () -> stty(List.of(previous));
    }

    /** Runs stty on /dev/tty; its output, or null when it failed (logged). */
    private static String stty(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("stty");
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.PIPE).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                LOG.warn("{}: did not finish within 10 s", String.join(" ", cmd));
                return null;
            }
            if (p.exitValue() != 0) {
                LOG.warn("{}: exit status {}: {}", String.join(" ", cmd), p.exitValue(), err.strip());
                return null;
            }
            return out;
        } catch (IOException e) {
            LOG.warn("{}: {}", String.join(" ", cmd), e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
