package vmm.shell.internal.virsh;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import vmm.shell.internal.virsh.CommandSpec.Option;
import vmm.shell.internal.virsh.CommandSpec.Option.Kind;

/**
 * Arguments parsed as virsh parses them: {@code --opt value}, {@code --opt=value}, flags, and
 * values by position for the options that allow it; virsh's messages for what is wrong.
 */
public final class Args {

    private final Map<String, String> values = new HashMap<>();
    /** Every value of an option given more than once (virt-clone's repeated --file). */
    private final Map<String, List<String>> repeated = new HashMap<>();

    private Args() {
    }

    public static Args parse(CommandSpec spec, List<String> argv) throws VirshError {
        Args a = new Args();
        int positional = 0;
        List<Option> opts = spec.options();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (arg.startsWith("--") && arg.length() > 2) {
                String name = arg.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                Option o = find(spec, name);
                if (o.kind() == Kind.BOOL) {
                    if (value != null) {
                        throw new VirshError("invalid '=' after option --" + name);
                    }
                    a.values.put(name, "true");
                } else {
                    if (value == null) {
                        if (i + 1 >= argv.size()) {
                            throw new VirshError("expected syntax: --" + name + " <string>");
                        }
                        value = argv.get(++i);
                    }
                    a.values.put(name, value);
                    a.repeated.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(value);
                }
            } else {
                while (positional < opts.size()
                        && (opts.get(positional).kind() != Kind.DATA || a.values.containsKey(opts.get(positional).name()))) {
                    positional++;
                }
                if (positional >= opts.size()) {
                    throw new VirshError("unexpected data '" + arg + "'");
                }
                a.values.put(opts.get(positional).name(), arg);
            }
        }
        for (Option o : opts) {
            if (o.required() && !a.values.containsKey(o.name())) {
                throw new VirshError("command '" + spec.name() + "' requires <" + o.name() + "> option");
            }
        }
        return a;
    }

    private static Option find(CommandSpec spec, String name) throws VirshError {
        for (Option o : spec.options()) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        throw new VirshError("command '" + spec.name() + "' doesn't support option --" + name);
    }

    public boolean flag(String name) {
        return values.containsKey(name);
    }

    public String get(String name) {
        return values.get(name);
    }

    /** Every value given for {@code name}, in order (empty when none). */
    public List<String> all(String name) {
        return List.copyOf(repeated.getOrDefault(name, List.of()));
    }

    public String domain() {
        return values.get("domain");
    }
}
