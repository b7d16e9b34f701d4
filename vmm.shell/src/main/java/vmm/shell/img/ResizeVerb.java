package vmm.shell.img;

import java.io.IOException;
import java.util.List;
import java.util.Set;

import vmm.core.block.BlockImage;
import vmm.core.block.Resizable;

/** {@code resize}: a new virtual size, absolute or relative; shrinking must be asked for. */
final class ResizeVerb implements ImgTool.Verb {

    @Override
    public String usage() {
        return "resize [-f fmt] [--shrink] [-q] file [+|-]size";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("resize", argv, Set.of("-f", "--object"), Set.of("--shrink", "-q"));
        String file = a.positional(0, "file name", "resize");
        String spec = a.positional(1, "size", "resize");
        try (BlockImage img = ImageSource.open(tool, file, a.get("-f"), true, a)) {
            if (!(img instanceof Resizable r)) {
                throw new ImgException("format " + img.info().format() + " cannot be resized");
            }
            long now = img.size();
            long target = spec.startsWith("+") ? now + Sizes.parse(spec.substring(1))
                    : spec.startsWith("-") ? now - Sizes.parse(spec.substring(1)) : Sizes.parse(spec);
            if (target < 0) {
                throw new ImgException("new size " + target + " is negative");
            }
            if (target < now && !a.has("--shrink")) {
                throw new ImgException("shrinking from " + now + " to " + target
                        + " bytes drops data: give --shrink to do it anyway");
            }
            r.resize(target);
            img.flush();
        }
        if (!a.has("-q")) {
            tool.out.println("Image resized.");
        }
        return 0;
    }
}
