package vmm.shell.internal.virsh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;

import vmm.shell.internal.virsh.CommandSpec.Option;

/**
 * Tab completion for a shell that is not in this process (the launcher's line editor talking
 * to the daemon): given the line up to the cursor, the words that may end it. The same rules
 * as the in-process shell's completions: command names first, then a command's options, and
 * domain names where a domain goes.
 */
final class LineCompleter {
    /** What leaves the launcher's shell; the launcher handles them itself. */
    private static final List<String> LEAVE = List.of("quit", "exit");

    private final List<CommandSpec> specs;
    private final Supplier<Collection<String>> domainNames;

    LineCompleter(List<CommandSpec> specs, Supplier<Collection<String>> domainNames) {
        this.specs = specs;
        this.domainNames = domainNames;
    }

    /**
     * @param line     the text before the cursor
     * @param commands the session's commands as Gogo names them ({@code scope:name})
     * @return the candidates for the word under the cursor, sorted
     */
    List<String> complete(String line, Collection<String> commands) {
        // Only the last command of a pipeline or sequence is completed.
        int cut = Math.max(line.lastIndexOf(';'), line.lastIndexOf('|'));
        String tail = line.substring(cut + 1).stripLeading();
        List<String> words = new ArrayList<>(List.of(tail.split("\\s+", -1)));
        String current = words.remove(words.size() - 1);
        TreeSet<String> out = new TreeSet<>();
        if (words.isEmpty()) {
            for (CommandSpec s : specs) {
                out.add(s.name());
            }
            for (String c : commands) {
                out.add(c);
                int colon = c.indexOf(':');
                String scope = colon < 0 ? "" : c.substring(0, colon);
                if (scope.equals("vmm") || scope.equals("gogo")) {
                    out.add(c.substring(colon + 1));
                }
            }
            out.addAll(LEAVE);
            out.removeIf(c -> c.startsWith("vmm:__") || c.startsWith("__"));
        } else {
            String cmd = words.get(0).startsWith("vmm:") ? words.get(0).substring(4) : words.get(0);
            CommandSpec spec = specs.stream().filter(s -> s.name().equals(cmd)).findFirst().orElse(null);
            if (spec == null) {
                return List.of();
            }
            if (current.startsWith("-")) {
                for (Option o : spec.options()) {
                    out.add("--" + o.name());
                }
            } else if (spec.options().stream().anyMatch(o -> o.name().equals("domain"))) {
                out.addAll(domainNames.get());
            } else if (spec.name().equals("help")) {
                specs.stream().map(CommandSpec::name).filter(n -> !n.contains(":")).forEach(out::add);
            }
        }
        return out.stream().filter(c -> c.startsWith(current)).toList();
    }
}
