package vmm.shell.img;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import vmm.core.block.BlockImage;
import vmm.core.block.ImageInfo;

/** {@code info}: what an image is, human or JSON, optionally down its backing chain. */
final class InfoVerb implements ImgTool.Verb {
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Override
    public String usage() {
        return "info [-f fmt] [--output=human|json] [--backing-chain] [-U] file";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("info", argv, Set.of("-f", "--output", "--object"), Set.of("--backing-chain", "-U", "--force-share"));
        boolean json = a.json("info");
        String file = a.positional(0, "file name", "info");
        String format = a.get("-f");
        List<Map<String, Object>> chain = new ArrayList<>();
        int guard = 0;
        while (file != null && guard++ < 64) {
            ImageInfo info;
            try (BlockImage img = ImageSource.open(tool, file, format, false, a)) {
                info = img.info();
            }
            chain.add(describe(file, info));
            if (!a.has("--backing-chain") || info.backingFile() == null) {
                break;
            }
            file = resolveBacking(file, info.backingFile());
            format = info.backingFormat();
        }
        if (json) {
            tool.out.println(Json.write(a.has("--backing-chain") ? chain : chain.get(0)));
        } else {
            for (int i = 0; i < chain.size(); i++) {
                if (i > 0) {
                    tool.out.println();
                }
                printHuman(tool, chain.get(i));
            }
        }
        return 0;
    }

    static String resolveBacking(String image, String backing) {
        Path b = Path.of(backing);
        if (b.isAbsolute()) {
            return backing;
        }
        Path parent = Path.of(image).toAbsolutePath().getParent();
        return parent.resolve(b).normalize().toString();
    }

    private static Map<String, Object> describe(String file, ImageInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!info.snapshots().isEmpty()) {
            List<Map<String, Object>> snaps = new ArrayList<>();
            for (ImageInfo.SnapshotInfo s : info.snapshots()) {
                Map<String, Object> sm = new LinkedHashMap<>();
                sm.put("icount", s.icount());
                sm.put("vm-clock-nsec", s.vmClockNanos() % 1_000_000_000L);
                sm.put("name", s.name());
                sm.put("date-sec", s.dateSeconds());
                sm.put("date-nsec", s.dateNanos());
                sm.put("vm-clock-sec", s.vmClockNanos() / 1_000_000_000L);
                sm.put("id", s.id());
                sm.put("vm-state-size", s.vmStateSize());
                snaps.add(sm);
            }
            m.put("snapshots", snaps);
        }
        m.put("virtual-size", info.virtualSize());
        m.put("filename", file);
        if (info.clusterSize() > 0) {
            m.put("cluster-size", info.clusterSize());
        }
        m.put("format", info.format());
        if (!info.specific().isEmpty()) {
            Map<String, Object> fs = new LinkedHashMap<>();
            fs.put("type", info.format());
            fs.put("data", info.specific());
            m.put("format-specific", fs);
        }
        if (info.backingFile() != null) {
            m.put("backing-filename", info.backingFile());
            m.put("full-backing-filename", resolveBacking(file, info.backingFile()));
            if (info.backingFormat() != null) {
                m.put("backing-filename-format", info.backingFormat());
            }
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void printHuman(ImgTool tool, Map<String, Object> m) {
        var out = tool.out;
        out.println("image: " + m.get("filename"));
        out.println("file format: " + m.get("format"));
        long size = (Long) m.get("virtual-size");
        out.println("virtual size: " + Sizes.human(size) + " (" + size + " bytes)");
        if (m.containsKey("cluster-size")) {
            out.println("cluster_size: " + m.get("cluster-size"));
        }
        if (m.containsKey("backing-filename")) {
            out.println("backing file: " + m.get("backing-filename"));
            if (m.containsKey("backing-filename-format")) {
                out.println("backing file format: " + m.get("backing-filename-format"));
            }
        }
        if (m.containsKey("snapshots")) {
            out.println("Snapshot list:");
            SnapshotVerb.printTable(out, (List<Map<String, Object>>) m.get("snapshots"));
        }
        if (m.containsKey("format-specific")) {
            out.println("Format specific information:");
            var data = (Map<String, Object>) ((Map<String, Object>) m.get("format-specific")).get("data");
            printNested(out, data, 1);
        }
    }

    @SuppressWarnings("unchecked")
    private static void printNested(java.io.PrintStream out, Map<String, Object> data, int depth) {
        for (var e : data.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> sub) {
                out.println("    ".repeat(depth) + e.getKey() + ":");
                printNested(out, (Map<String, Object>) sub, depth + 1);
            } else {
                out.println("    ".repeat(depth) + e.getKey() + ": " + e.getValue());
            }
        }
    }

    static String date(long seconds) {
        return DATE.format(Instant.ofEpochSecond(seconds));
    }
}
