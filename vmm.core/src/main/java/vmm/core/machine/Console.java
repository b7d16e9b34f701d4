package vmm.core.machine;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Where the guest's first serial port (COM1) goes: every byte the guest sends is written to
 * {@code out}; bytes read from {@code in} (when not null) are what the guest receives.
 * The machine does not close either stream.
 */
public record Console(OutputStream out, InputStream in) {
    public Console {
        Objects.requireNonNull(out, "out");
    }

    /** Output only: the guest reads nothing. */
    public static Console output(OutputStream out) {
        return new Console(out, null);
    }

    /** Output thrown away, no input. */
    public static Console none() {
        return new Console(OutputStream.nullOutputStream(), null);
    }
}
