package vmm.shell.img;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import vmm.core.block.BlockImage;

/**
 * {@code compare}: guest-visible content of two images. Exit status as qemu-img: 0 identical,
 * 1 different, 2 error (an error here is any failure to read either image).
 */
final class CompareVerb implements ImgTool.Verb {
    private static final int CHUNK = 1 << 20;

    @Override
    public String usage() {
        return "compare [-f fmt] [-F fmt] [-s] [-q] file1 file2";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException {
        try {
            return compare(argv, tool);
        } catch (IOException e) {
            throw new ImgException(e.getMessage(), 2);
        }
    }

    private int compare(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("compare", argv, Set.of("-f", "-F", "--object"), Set.of("-s", "-q", "-p", "-U"));
        String f1 = a.positional(0, "first file", "compare");
        String f2 = a.positional(1, "second file", "compare");
        boolean quiet = a.has("-q");
        try (BlockImage i1 = ImageSource.open(tool, f1, a.get("-f"), false, a);
                BlockImage i2 = ImageSource.open(tool, f2, a.get("-F"), false, a)) {
            long common = Math.min(i1.size(), i2.size());
            if (i1.size() != i2.size()) {
                if (a.has("-s")) {
                    if (!quiet) {
                        tool.out.println("Strict mode: Image size mismatch!");
                    }
                    return 1;
                }
                if (!quiet) {
                    tool.out.println("Warning: Image size mismatch!");
                }
            }
            ByteBuffer b1 = ByteBuffer.allocate(CHUNK);
            ByteBuffer b2 = ByteBuffer.allocate(CHUNK);
            for (long pos = 0; pos < common; pos += CHUNK) {
                int n = (int) Math.min(CHUNK, common - pos);
                b1.clear().limit(n);
                b2.clear().limit(n);
                i1.read(pos, b1);
                i2.read(pos, b2);
                int at = b1.flip().mismatch(b2.flip());
                if (at >= 0) {
                    if (!quiet) {
                        tool.out.println("Content mismatch at offset " + (pos + at) + "!");
                    }
                    return 1;
                }
            }
            // Outside strict mode, the longer image's tail must read as zeroes.
            BlockImage longer = i1.size() > i2.size() ? i1 : i2;
            for (long pos = common; pos < longer.size(); pos += CHUNK) {
                int n = (int) Math.min(CHUNK, longer.size() - pos);
                b1.clear().limit(n);
                longer.read(pos, b1);
                b1.flip();
                for (int i = 0; i < n; i++) {
                    if (b1.get(i) != 0) {
                        if (!quiet) {
                            tool.out.println("Content mismatch at offset " + (pos + i) + "!");
                        }
                        return 1;
                    }
                }
            }
        }
        if (!quiet) {
            tool.out.println("Images are identical.");
        }
        return 0;
    }
}
