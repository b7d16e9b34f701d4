package vmm.shell.img;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import vmm.core.block.BlockImage;
import vmm.core.block.Checkable;
import vmm.core.block.Checkable.CheckReport;

/**
 * {@code check}: metadata consistency. Exit status as qemu-img: 0 clean, 2 corruptions,
 * 3 leaks only, 63 when the format cannot be checked, 1 when the check itself failed.
 */
final class CheckVerb implements ImgTool.Verb {

    @Override
    public String usage() {
        return "check [-f fmt] [-r leaks|all] [--output=human|json] [-q] file";
    }

    @Override
    public int run(List<String> argv, ImgTool tool) throws ImgException, IOException {
        ImgArgs a = new ImgArgs("check", argv, Set.of("-f", "-r", "--output", "--object"), Set.of("-q", "-U"));
        boolean json = a.json("check");
        String file = a.positional(0, "file name", "check");
        String repair = a.get("-r");
        if (repair != null && !repair.equals("leaks") && !repair.equals("all")) {
            throw new ImgException("-r must be leaks or all, not '" + repair + "'");
        }
        try (BlockImage img = ImageSource.open(tool, file, a.get("-f"), repair != null, a)) {
            if (!(img instanceof Checkable c)) {
                tool.err.println("vmm img check: format '" + img.info().format() + "' does not support checks");
                return 63;
            }
            CheckReport report = c.check(repair != null);
            if (repair != null && (report.leaksFixed() > 0)) {
                if (!json) {
                    tool.out.printf("The following inconsistencies were found and repaired:%n%n    %d leaked clusters%n"
                            + "    0 corruptions%n%nDouble checking the fixed image now...%n", report.leaksFixed());
                }
                img.flush();
                report = c.check(false);
            }
            if (json) {
                tool.out.println(Json.write(asJson(file, img.info().format(), report)));
            } else if (!a.has("-q")) {
                printHuman(tool, report);
            }
            if (report.corruptions() > 0) {
                return 2;
            }
            return report.leaks() - report.leaksFixed() > 0 ? 3 : 0;
        }
    }

    private static Map<String, Object> asJson(String file, String format, CheckReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image-end-offset", r.imageEndOffset());
        m.put("total-clusters", r.totalClusters());
        // A check that hits an I/O error fails as a whole here, so one that reports had none.
        m.put("check-errors", 0);
        if (r.leaks() - r.leaksFixed() > 0) {
            m.put("leaks", r.leaks() - r.leaksFixed());
        }
        if (r.corruptions() > 0) {
            m.put("corruptions", r.corruptions());
        }
        m.put("allocated-clusters", r.allocatedClusters());
        m.put("filename", file);
        m.put("format", format);
        return m;
    }

    private static void printHuman(ImgTool tool, CheckReport r) {
        var out = tool.out;
        for (String msg : r.messages()) {
            out.println(msg);
        }
        long leaks = r.leaks() - r.leaksFixed();
        if (r.corruptions() == 0 && leaks == 0) {
            out.println("No errors were found on the image.");
        }
        if (r.corruptions() > 0) {
            out.printf("%n%d errors were found on the image.%nData may be corrupted, or further writes to the image may corrupt it.%n",
                    r.corruptions());
        }
        if (leaks > 0) {
            out.printf("%n%d leaked clusters were found on the image.%nThis means waste of disk space, but no harm to data.%n", leaks);
        }
        if (r.totalClusters() > 0) {
            // qemu-img also prints fragmented and compressed shares; the check report does not
            // count those, so they are left out rather than shown as a made-up 0.00%.
            out.printf(Locale.ROOT, "%d/%d = %.2f%% allocated clusters%n",
                    r.allocatedClusters(), r.totalClusters(), 100.0 * r.allocatedClusters() / r.totalClusters());
        }
        out.println("Image end offset: " + r.imageEndOffset());
    }
}
