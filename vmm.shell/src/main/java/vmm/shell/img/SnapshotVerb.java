package vmm.shell.img;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import vmm.core.block.BlockImage;
import vmm.core.block.ImageInfo;
import vmm.core.block.Snapshottable;

/** {@code snapshot}: list, create, apply and delete internal snapshots. */
final class SnapshotVerb implements ImgTool.Verb {

    @Override
    public String usage() {
        return "snapshot [-f fmt] [-l | -c name | -a name | -d name] [-q] file";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("snapshot", argv, Set.of("-f", "-c", "-a", "-d", "--object"), Set.of("-l", "-q", "-U"));
        String file = a.positional(0, "file name", "snapshot");
        int actions = (a.has("-l") ? 1 : 0) + (a.has("-c") ? 1 : 0) + (a.has("-a") ? 1 : 0) + (a.has("-d") ? 1 : 0);
        if (actions > 1) {
            throw new ImgException("give only one of -l, -c, -a, -d");
        }
        boolean list = actions == 0 || a.has("-l");
        try (BlockImage img = ImageSource.open(tool, file, a.get("-f"), !list, a)) {
            if (!(img instanceof Snapshottable s)) {
                throw new ImgException("format " + img.info().format() + " has no internal snapshots");
            }
            if (list) {
                List<ImageInfo.SnapshotInfo> snaps = s.listSnapshots();
                if (!snaps.isEmpty()) {
                    tool.out.println("Snapshot list:");
                    printTable(tool.out, snaps.stream().map(SnapshotVerb::asMap).toList());
                }
            } else if (a.has("-c")) {
                s.createSnapshot(a.get("-c"));
            } else if (a.has("-a")) {
                s.applySnapshot(a.get("-a"));
            } else {
                s.deleteSnapshot(a.get("-d"));
            }
            img.flush();
        }
        return 0;
    }

    private static Map<String, Object> asMap(ImageInfo.SnapshotInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("vm-state-size", s.vmStateSize());
        m.put("date-sec", s.dateSeconds());
        m.put("vm-clock-sec", s.vmClockNanos() / 1_000_000_000L);
        m.put("vm-clock-nsec", s.vmClockNanos() % 1_000_000_000L);
        m.put("icount", s.icount());
        return m;
    }

    /** qemu-img's snapshot table: ID, TAG, VM SIZE, DATE, VM CLOCK, ICOUNT. */
    static void printTable(PrintStream out, List<Map<String, Object>> snaps) {
        out.printf("%-10s%-17s%8s%20s%13s%11s%n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK", "ICOUNT");
        for (Map<String, Object> s : snaps) {
            long clockSec = ((Number) s.get("vm-clock-sec")).longValue();
            long clockMs = ((Number) s.get("vm-clock-nsec")).longValue() / 1_000_000;
            String clock = String.format("%04d:%02d:%02d.%03d", clockSec / 3600, (clockSec / 60) % 60, clockSec % 60, clockMs);
            out.printf("%-10s%-17s%8s%20s%13s%11s%n", s.get("id"), s.get("name"),
                    Sizes.human(((Number) s.get("vm-state-size")).longValue()),
                    InfoVerb.date(((Number) s.get("date-sec")).longValue()), clock, s.get("icount"));
        }
    }
}
