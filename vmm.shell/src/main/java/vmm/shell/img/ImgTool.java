package vmm.shell.img;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockFormats;

/**
 * {@code vmm img}: qemu-img's verbs over the formats present. Runs from the command line
 * (formats found with {@link ServiceLoader}) and as the {@code img:} shell commands (formats
 * from the framework's registry).
 */
public final class ImgTool {
    private static final Logger LOG = LoggerFactory.getLogger(ImgTool.class);

    /** One verb: parses its own arguments, returns the exit status. */
    interface Verb {
        int run(List<String> args, ImgTool tool) throws ImgException, IOException;

        String usage();
    }

    static final Map<String, Verb> VERBS = new TreeMap<>(Map.ofEntries(
            Map.entry("create", new CreateVerb()),
            Map.entry("info", new InfoVerb()),
            Map.entry("check", new CheckVerb()),
            Map.entry("convert", new ConvertVerb()),
            Map.entry("snapshot", new SnapshotVerb()),
            Map.entry("rebase", new RebaseVerb()),
            Map.entry("resize", new ResizeVerb()),
            Map.entry("commit", new CommitVerb()),
            Map.entry("map", new MapVerb()),
            Map.entry("compare", new CompareVerb()),
            Map.entry("bench", new BenchVerb())));

    final BlockFormats formats;
    final PrintStream out;
    final PrintStream err;

    public ImgTool(BlockFormats formats, PrintStream out, PrintStream err) {
        this.formats = formats;
        this.out = out;
        this.err = err;
    }

    /** Command-line entry, called by the launcher: {@code vmm img VERB ...}. */
    public static int run(String[] args) {
        return new ImgTool(serviceLoaderFormats(), System.out, System.err).execute(Arrays.asList(args));
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one verb and returns its exit status; errors are printed, never thrown. */
    public int execute(List<String> args) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h") || args.get(0).equals("help")) {
            printHelp(out);
            return args.isEmpty() ? 1 : 0;
        }
        Verb verb = VERBS.get(args.get(0));
        if (verb == null) {
            err.println("vmm img: unknown verb '" + args.get(0) + "' (known: " + String.join(", ", VERBS.keySet()) + ")");
            return 1;
        }
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            out.println("usage: vmm img " + verb.usage());
            return 0;
        }
        try {
            return verb.run(rest, this);
        } catch (ImgException e) {
            err.println("vmm img " + args.get(0) + ": " + e.getMessage());
            return e.status();
        } catch (IOException | RuntimeException e) {
            LOG.debug("img {} failed", args, e);
            err.println("vmm img " + args.get(0) + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        } finally {
            out.flush();
        }
    }

    static void printHelp(PrintStream out) {
        out.println("usage: vmm img VERB [options] ...   (verbs and options follow qemu-img)");
        for (var e : VERBS.entrySet()) {
            out.println("  " + e.getValue().usage());
        }
    }

    /** Formats on the class path, for runs outside the framework. */
    static BlockFormats serviceLoaderFormats() {
        List<BlockFormat> found = ServiceLoader.load(BlockFormat.class).stream().map(ServiceLoader.Provider::get).toList();
        return new BlockFormats() {
            @Override
            public Optional<BlockFormat> byName(String name) {
                return found.stream().filter(f -> f.name().equals(name)).findFirst();
            }

            @Override
            public Collection<BlockFormat> all() {
                return found;
            }
        };
    }
}
