package vmm.core.loader;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A kernel, initrd or command line that cannot be booted as asked: a malformed or unsupported
 * file, or something that does not fit in guest RAM. The message names the file and the
 * problem, so it can be shown to the user as is. An {@link IOException} because, like a corrupt
 * archive, it is a problem with an input file.
 */
public class KernelLoadException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public KernelLoadException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** The file the problem is about (the kernel or the initrd). */
    public Path file() {
        return file;
    }
}
