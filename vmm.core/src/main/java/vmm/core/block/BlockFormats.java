package vmm.core.block;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * The formats present, found by name or by probing a file. In the framework this is a
 * service that tracks every {@link BlockFormat} service; outside it (the {@code vmm img}
 * command line, unit tests) a fixed list stands in.
 */
public interface BlockFormats {

    Optional<BlockFormat> byName(String name);

    Collection<BlockFormat> all();

    /** The format whose probe is most confident for the file, or an error naming the file. */
    default BlockFormat probe(Path path) throws IOException {
        byte[] header;
        try (InputStream in = Files.newInputStream(path)) {
            header = in.readNBytes(4096);
        }
        return all().stream()
                .filter(f -> f.probe(header) > 0)
                .max(Comparator.comparingInt(f -> f.probe(header)))
                .orElseThrow(() -> new IOException(path + ": no image format recognises this file"));
    }

    /** Opens {@code path} as {@code format}, or probes when {@code format} is null. */
    default BlockImage open(Path path, String format, OpenOptions options) throws IOException {
        if (options.maxChainDepth() < 0) {
            throw new CorruptImageException(path + ": backing chain deeper than "
                    + OpenOptions.DEFAULT_MAX_CHAIN_DEPTH + " images (a loop?)");
        }
        BlockFormat f = format == null ? probe(path)
                : byName(format).orElseThrow(() -> new IOException("unknown image format '" + format
                        + "' (known: " + all().stream().map(BlockFormat::name).sorted().toList() + ")"));
        return f.open(path, options, this);
    }

    /** A fixed list, for use outside the framework. */
    static BlockFormats of(BlockFormat... formats) {
        var list = java.util.List.of(formats);
        return new BlockFormats() {
            @Override
            public Optional<BlockFormat> byName(String name) {
                return list.stream().filter(f -> f.name().equals(name)).findFirst();
            }

            @Override
            public Collection<BlockFormat> all() {
                return list;
            }
        };
    }
}
