package vmm.shell.img;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import vmm.core.block.BlockImage;
import vmm.core.block.Emptiable;
import vmm.core.block.Extent;
import vmm.core.block.ImageInfo;
import vmm.core.block.OpenOptions;

/**
 * {@code commit}: writes what an overlay holds into its backing file; then, unless {@code -d},
 * empties the overlay so that it reads through to the updated backing file.
 */
final class CommitVerb implements ImgTool.Verb {
    private static final int CHUNK = 1 << 20;

    @Override
    public String usage() {
        return "commit [-f fmt] [-d] [-p] [-q] file";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("commit", argv, Set.of("-f", "--object", "-t", "-b"), Set.of("-d", "-p", "-q"));
        String file = a.positional(0, "file name", "commit");
        try (BlockImage top = ImageSource.open(tool, file, a.get("-f"), !a.has("-d"), a)) {
            ImageInfo info = top.info();
            if (info.backingFile() == null) {
                throw new ImgException(file + " has no backing file to commit into");
            }
            String backingPath = InfoVerb.resolveBacking(file, info.backingFile());
            try (BlockImage base = tool.formats.open(Path.of(backingPath), info.backingFormat(), OpenOptions.readWrite())) {
                if (base.size() < top.size()) {
                    throw new ImgException("backing file " + backingPath + " (" + base.size()
                            + " bytes) is smaller than " + file + " (" + top.size() + " bytes); resize it first");
                }
                Progress progress = new Progress(tool.out, a.has("-p") && !a.has("-q"), top.size());
                ByteBuffer buf = ByteBuffer.allocate(CHUNK);
                for (Extent e : MapVerb.extents(top, 0, top.size())) {
                    if (e.depth() == 0 && e.zero() && !e.data()) {
                        base.writeZeroes(e.offset(), e.length());
                    } else if (e.depth() == 0 && e.data()) {
                        for (long pos = e.offset(); pos < e.offset() + e.length(); pos += CHUNK) {
                            int n = (int) Math.min(CHUNK, e.offset() + e.length() - pos);
                            buf.clear().limit(n);
                            top.read(pos, buf);
                            base.write(pos, buf.flip());
                        }
                    }
                    progress.advance(e.length());
                }
                base.flush();
                progress.finish();
            }
            if (!a.has("-d")) {
                if (!(top instanceof Emptiable empty)) {
                    throw new ImgException("committed, but format " + info.format() + " cannot be emptied: use -d");
                }
                empty.makeEmpty();
                top.flush();
            }
        }
        if (!a.has("-q")) {
            tool.out.println("Image committed.");
        }
        return 0;
    }
}
