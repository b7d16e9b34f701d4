package vmm.shell.internal.virsh;

import java.util.List;
import java.util.Locale;

import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;

/** virsh's {@code help} output: grouped command lists and per-command manual pages. */
final class HelpText {

    private HelpText() {
    }

    /** {@code help}: every group, one line per command (vsh.c's "    %-30s %s"). */
    static String grouped(List<CommandSpec> specs) {
        StringBuilder sb = new StringBuilder("Grouped commands:\n\n");
        for (Group g : Group.values()) {
            String group = group(specs, g);
            if (!group.isEmpty()) {
                sb.append(group).append('\n');
            }
        }
        return sb.toString();
    }

    static String group(List<CommandSpec> specs, Group g) {
        StringBuilder sb = new StringBuilder();
        for (CommandSpec s : specs) {
            if (s.group() == g) {
                sb.append(String.format(Locale.ROOT, "    %-30s %s%n", s.name(), s.help()));
            }
        }
        if (sb.isEmpty()) {
            return "";
        }
        return " " + g.title + " (help keyword '" + g.keyword + "'):\n" + sb;
    }

    /** {@code help NAME}: virsh's NAME / SYNOPSIS / DESCRIPTION / OPTIONS page. */
    static String command(CommandSpec s) {
        StringBuilder sb = new StringBuilder();
        sb.append("  NAME\n    ").append(s.name()).append(" - ").append(s.help()).append('\n');
        sb.append("\n  SYNOPSIS\n    ").append(s.name());
        for (Option o : s.options()) {
            sb.append(switch (o.kind()) {
                case BOOL -> " [--" + o.name() + "]";
                case DATA -> o.required() ? " <" + o.name() + ">" : " [<" + o.name() + ">]";
                case STRING -> o.required() ? " --" + o.name() + " <string>" : " [--" + o.name() + " <string>]";
            });
        }
        sb.append('\n');
        if (!s.desc().isEmpty()) {
            sb.append("\n  DESCRIPTION\n    ").append(s.desc()).append('\n');
        }
        if (!s.options().isEmpty()) {
            sb.append("\n  OPTIONS\n");
            for (Option o : s.options()) {
                String left = switch (o.kind()) {
                    case BOOL -> "--" + o.name();
                    case DATA -> "[--" + o.name() + "] <string>";
                    case STRING -> "--" + o.name() + " <string>";
                };
                sb.append(String.format(Locale.ROOT, "    %-15s  %s%n", left, o.help()));
            }
        }
        return sb.toString();
    }
}
