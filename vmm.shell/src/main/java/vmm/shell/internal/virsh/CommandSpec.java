package vmm.shell.internal.virsh;

import java.util.List;

/**
 * A command as virsh describes it: name, group, one-line help, description, options.
 *
 * @param name    the command's name
 * @param group   the help group it is listed under
 * @param help    one line for {@code help}
 * @param desc    the description for {@code help NAME}
 * @param options its options in synopsis order
 */
public record CommandSpec(String name, Group group, String help, String desc, List<Option> options) {

    public CommandSpec {
        options = List.copyOf(options);
    }

    /** virsh's command groups, in its order. */
    public enum Group {
        DOMAIN("Domain Management", "domain"),
        MONITOR("Domain Monitoring", "monitor"),
        HOST("Host and Hypervisor", "host"),
        IMAGE("Storage Volume (disk images)", "volume"),
        SNAPSHOT("Snapshot", "snapshot"),
        VIRSH("Virsh itself", "virsh");

        public final String title;
        public final String keyword;

        Group(String title, String keyword) {
            this.title = title;
            this.keyword = keyword;
        }
    }

    /**
     * One option.
     *
     * @param name     its long name ({@code --name})
     * @param kind     a flag, a value, or a value that may also be given by position
     * @param required whether it must be given
     * @param help     one line
     */
    public record Option(String name, Kind kind, boolean required, String help) {
        public enum Kind { BOOL, STRING, DATA }

        public static Option flag(String name, String help) {
            return new Option(name, Kind.BOOL, false, help);
        }

        public static Option data(String name, String help) {
            return new Option(name, Kind.DATA, true, help);
        }

        public static Option optionalData(String name, String help) {
            return new Option(name, Kind.DATA, false, help);
        }

        public static Option string(String name, String help) {
            return new Option(name, Kind.STRING, false, help);
        }
    }

    /** The domain argument every domain command takes first, as virsh's. */
    public static final Option DOMAIN_OPTION = Option.data("domain", "domain name, id or uuid");
}
