package vmm.core.block;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A disk image format. Each format is a service (a DS component in its own bundle) and is
 * found by {@link #name()}; {@link BlockFormats} collects those present.
 */
public interface BlockFormat {

    /** Format name as qemu-img spells it ({@code raw}, {@code qcow2}). */
    String name();

    /**
     * How sure this format is that {@code header} (the first bytes of a file, at least 512 when
     * the file is that long) belongs to it: 0 for no, 100 for a magic number match; raw answers 1.
     */
    int probe(byte[] header);

    /** Opens an existing image; {@code formats} resolves backing files of any format. */
    BlockImage open(Path path, OpenOptions options, BlockFormats formats) throws IOException;

    /** Creates a new image; fails if {@code path} exists unless the options allow it. */
    void create(Path path, CreateOptions options, BlockFormats formats) throws IOException;
}
