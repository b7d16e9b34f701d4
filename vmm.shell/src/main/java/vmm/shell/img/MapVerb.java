package vmm.shell.img;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import vmm.core.block.BlockImage;
import vmm.core.block.Extent;

/** {@code map}: where each range of the virtual disk is stored. */
final class MapVerb implements ImgTool.Verb {

    @Override
    public String usage() {
        return "map [-f fmt] [--output=human|json] file";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("map", argv, Set.of("-f", "--output", "--object", "--start-offset", "--max-length"), Set.of("-U"));
        boolean json = a.json("map");
        String file = a.positional(0, "file name", "map");
        try (BlockImage img = ImageSource.open(tool, file, a.get("-f"), false, a)) {
            List<Extent> extents = extents(img, 0, img.size());
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Extent e : extents) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("start", e.offset());
                    m.put("length", e.length());
                    m.put("depth", e.depth());
                    m.put("present", e.data() || e.zero());
                    m.put("zero", e.zero());
                    m.put("data", e.data());
                    if (e.hostOffset() >= 0) {
                        m.put("offset", e.hostOffset());
                    }
                    rows.add(m);
                }
                tool.out.println(Json.write(rows));
            } else {
                tool.out.printf("%-16s%-16s%-16s%s%n", "Offset", "Length", "Mapped to", "File");
                for (Extent e : extents) {
                    if (e.data() && e.hostOffset() >= 0) {
                        tool.out.printf("0x%-14x0x%-14x0x%-14x%s%n", e.offset(), e.length(), e.hostOffset(), file);
                    }
                }
            }
        }
        return 0;
    }

    /** The image's extents from {@code start} to {@code end}, adjacent alike ones merged. */
    static List<Extent> extents(BlockImage img, long start, long end) throws IOException {
        List<Extent> out = new ArrayList<>();
        long pos = start;
        while (pos < end) {
            Extent e = img.mapExtent(pos, end - pos);
            if (e.length() <= 0) {
                throw new IOException("format returned an empty extent at offset " + pos);
            }
            Extent last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.data() == e.data() && last.zero() == e.zero() && last.depth() == e.depth()
                    && (last.hostOffset() < 0 ? e.hostOffset() < 0 : e.hostOffset() == last.hostOffset() + last.length())) {
                out.set(out.size() - 1, new Extent(last.offset(), last.length() + e.length(), last.data(), last.zero(),
                        last.depth(), last.hostOffset()));
            } else {
                out.add(e);
            }
            pos += e.length();
        }
        return out;
    }
}
