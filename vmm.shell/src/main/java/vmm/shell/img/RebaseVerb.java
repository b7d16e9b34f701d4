package vmm.shell.img;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import vmm.core.block.BlockImage;
import vmm.core.block.Extent;
import vmm.core.block.OpenOptions;
import vmm.core.block.Rebasable;

/**
 * {@code rebase}: points an image at another backing file. The safe mode (default) first copies
 * into the image every range that it does not hold itself and that reads differently through
 * the new backing file, so the guest sees the same disk before and after; {@code -u} only
 * rewrites the name.
 */
final class RebaseVerb implements ImgTool.Verb {
    private static final int CHUNK = 64 * 1024;

    @Override
    public String usage() {
        return "rebase [-f fmt] [-u] -b backing [-F backing_fmt] [-p] [-q] file   (-b \"\" removes the backing file)";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("rebase", argv, Set.of("-f", "-b", "-F", "--object"), Set.of("-u", "-p", "-q", "-U"));
        String file = a.positional(0, "file name", "rebase");
        if (!a.has("-b")) {
            throw new ImgException("-b backing file is required (\"\" to remove it)");
        }
        String newBacking = a.get("-b").isEmpty() ? null : a.get("-b");
        String newFormat = newBacking == null ? null : a.get("-F");
        try (BlockImage img = unsafeOrSafeOpen(tool, file, a)) {
            if (!(img instanceof Rebasable r)) {
                throw new ImgException("format " + img.info().format() + " has no backing file");
            }
            if (!a.has("-u")) {
                BlockImage target = newBacking == null ? null
                        : tool.formats.open(Path.of(InfoVerb.resolveBacking(file, newBacking)), newFormat,
                                OpenOptions.readOnlyImage());
                try {
                    Progress progress = new Progress(tool.out, a.has("-p") && !a.has("-q"), img.size());
                    copyDifferences(img, target, progress);
                    progress.finish();
                } finally {
                    if (target != null) {
                        target.close();
                    }
                }
            }
            r.setBacking(newBacking, newFormat);
            img.flush();
        }
        return 0;
    }

    private static BlockImage unsafeOrSafeOpen(ImgTool tool, String file, ImgArgs a) throws IOException, ImgException {
        if (a.has("-u")) {
            // The old backing file may be gone: that is often why -u is used.
            return tool.formats.open(Path.of(file), a.get("-f"), OpenOptions.readWrite().withNoBacking(true));
        }
        return ImageSource.open(tool, file, a.get("-f"), true, a);
    }

    private static void copyDifferences(BlockImage img, BlockImage newBacking, Progress progress) throws IOException {
        ByteBuffer old = ByteBuffer.allocate(CHUNK);
        ByteBuffer now = ByteBuffer.allocate(CHUNK);
        for (Extent e : MapVerb.extents(img, 0, img.size())) {
            boolean ownData = e.depth() == 0 && (e.data() || e.zero());
            if (!ownData) {
                for (long pos = e.offset(); pos < e.offset() + e.length(); pos += CHUNK) {
                    int n = (int) Math.min(CHUNK, e.offset() + e.length() - pos);
                    old.clear().limit(n);
                    img.read(pos, old);
                    old.flip();
                    now.clear().limit(n);
                    if (newBacking != null && pos < newBacking.size()) {
                        int m = (int) Math.min(n, newBacking.size() - pos);
                        now.limit(m);
                        newBacking.read(pos, now);
                        now.limit(n);
                    }
                    while (now.hasRemaining()) {
                        now.put((byte) 0);
                    }
                    now.flip();
                    if (!old.equals(now)) {
                        img.write(pos, old);
                    }
                }
            }
            progress.advance(e.length());
        }
    }
}
