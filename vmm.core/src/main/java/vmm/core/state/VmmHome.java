package vmm.core.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the VMM keeps its state: domain definitions, images, logs, the hot-deploy folder.
 * The launcher sets the framework property {@value #PROPERTY}; without it the per-user
 * default {@code $XDG_DATA_HOME/vmm} (or {@code ~/.local/share/vmm}) is used.
 */
public record VmmHome(Path root) {

    public static final String PROPERTY = "vmm.state.dir";

    public static VmmHome fromProperty(String value) {
        if (value != null && !value.isBlank()) {
            return new VmmHome(Path.of(value).toAbsolutePath());
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return new VmmHome(base.resolve("vmm"));
    }

    public Path domains() {
        return root.resolve("domains");
    }

    public Path images() {
        return root.resolve("images");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    public Path deploy() {
        return root.resolve("deploy");
    }

    /** Creates the folders that do not exist yet. */
    public VmmHome ensureLayout() throws IOException {
        for (Path p : new Path[] {root, domains(), images(), logs(), deploy()}) {
            Files.createDirectories(p);
        }
        return this;
    }
}
