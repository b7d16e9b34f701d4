package vmm.storage.raw;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.CreateOptions;
import vmm.core.block.OpenOptions;

/** Raw images: the file is the disk, byte for byte. Sparse where the filesystem allows. */
@Component(service = BlockFormat.class, property = "vmm.block.format=raw")
public final class RawFormat implements BlockFormat {

    private static final Set<String> CREATE_KEYS = Set.of("size", "preallocation");

    @Override
    public String name() {
        return "raw";
    }

    @Override
    public int probe(byte[] header) {
        return 1;
    }

    @Override
    public BlockImage open(Path path, OpenOptions options, BlockFormats formats) throws IOException {
        return RawImage.open(path, options.readOnly(), !options.cacheUnsafe());
    }

    @Override
    public void create(Path path, CreateOptions options, BlockFormats formats) throws IOException {
        for (String key : options.options().keySet()) {
            if (!CREATE_KEYS.contains(key)) {
                throw new IOException("raw: unknown create option '" + key + "' (known: " + CREATE_KEYS + ")");
            }
        }
        if (Files.exists(path)) {
            throw new FileAlreadyExistsException(path.toString(), null, "image exists already");
        }
        String prealloc = options.option("preallocation", "off");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            switch (prealloc) {
                case "off" -> ch.truncate(options.size());
                case "full" -> RawImage.fillZeroes(ch, 0, options.size());
                default -> throw new IOException("raw: preallocation must be off or full, not '" + prealloc + "'");
            }
            if (ch.size() < options.size()) {
                // FileChannel.truncate never grows a file: write the last byte to set its size.
                ch.write(java.nio.ByteBuffer.allocate(1), options.size() - 1);
            }
            ch.force(true);
        }
    }
}
