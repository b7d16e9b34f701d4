package vmm.itest.sample;

import java.io.IOException;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Component;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.CreateOptions;
import vmm.core.block.OpenOptions;

/**
 * A plugin as a third party would write it, built into a bundle by the hot-deploy test. It
 * recognises nothing and opens nothing: the test is about its service coming and going.
 */
@Component(service = BlockFormat.class)
public final class SampleFormat implements BlockFormat {

    @Override
    public String name() {
        return "sample";
    }

    @Override
    public int probe(byte[] header) {
        return 0;
    }

    @Override
    public BlockImage open(Path path, OpenOptions options, BlockFormats formats) throws IOException {
        throw new IOException("sample format opens no images");
    }

    @Override
    public void create(Path path, CreateOptions options, BlockFormats formats) throws IOException {
        throw new IOException("sample format creates no images");
    }
}
