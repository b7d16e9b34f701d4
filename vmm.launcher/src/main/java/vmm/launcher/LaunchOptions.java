package vmm.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's command line.
 *
 * @param stateDir  where definitions, images, logs and the deploy folder live
 * @param commands  shell commands given with {@code -c} (run in order, then exit)
 * @param script    a Gogo script file to run, then exit; or null
 * @param verbose   log to the console instead of the log file
 * @param help      print usage and exit
 * @param imgArgs   arguments of {@code vmm img ...}, or null when not the img tool
 * @param runArgs   arguments of {@code vmm run ...}, or null when not running a guest
 * @param daemon    run as the daemon (started by the launcher itself, {@code --daemon})
 * @param daemonVerb {@code vmm daemon start|stop|status}, or null
 */
record LaunchOptions(Path stateDir, List<String> commands, Path script, boolean verbose, boolean help,
        List<String> imgArgs, List<String> runArgs, boolean daemon, String daemonVerb) {

    static final String USAGE = """
            usage: vmm [options]                 the interactive shell (a client of the daemon)
                   vmm [options] -c 'COMMAND'    run shell command(s), exit with their status
                   vmm [options] SCRIPT          run a Gogo script file, exit with its status
                   vmm img VERB [args]           disk image tool (as qemu-img; 'vmm img --help')
                   vmm run --kernel FILE [...]   run a guest kernel, console on stdout ('vmm run --help')
                   vmm serve DEVICE... [options] virtio devices over vhost-user ('vmm serve --help')
                   vmm daemon start|stop|status  the per-user daemon that runs the domains

            options:
              --state DIR    keep state (domains, images, logs, deploy/) in DIR
                             (default: $VMM_HOME, else $XDG_DATA_HOME/vmm or ~/.local/share/vmm)
              -c COMMAND     may be repeated; commands run in one shell session
              -v, --verbose  log to the console (default: STATE/logs/vmm.log)
              -h, --help     this text

            Running domains live in a daemon (libvirtd's role), one per state folder, started by
            the interactive shell or the first 'start' or 'create', and stopped by 'vmm daemon stop';
            while it runs, every command is run by it (over STATE/run/vmm.sock, a folder only its
            user can open). 'quit' leaves the shell; its domains run on.

            A new state folder gets a 'demo' domain (Debian's cloud kernel and busybox, from the
            guest material of scripts/guest-material): 'start --console demo' boots it to a shell,
            Ctrl+] leaves the console, 'shutdown demo' presses its ACPI power button.
            VMM_DEMO=off: no demo domain. -Dvmm.shutdown.timeout=SECONDS in VMM_JAVA_OPTS: how long
            'shutdown' waits for a guest to power off (120 by default) before it runs on.

            At the prompt: 'help' lists commands, 'vmm:version', 'list --all', 'lb' lists bundles,
            'quit' or Ctrl-D leaves. Bundles dropped into STATE/deploy/ are installed, updated
            and removed while the VMM runs.
            """;

    static LaunchOptions parse(String[] args) {
        Path state = defaultState();
        List<String> commands = new ArrayList<>();
        Path script = null;
        boolean verbose = false;
        boolean help = false;
        boolean daemon = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> help = true;
                case "-v", "--verbose" -> verbose = true;
                case "--state" -> state = Path.of(value(args, ++i, a)).toAbsolutePath();
                case "-c" -> commands.add(value(args, ++i, a));
                case "--daemon" -> daemon = true;
                case "daemon" -> {
                    String verb = value(args, ++i, a);
                    if (!List.of("start", "stop", "status").contains(verb) || i + 1 < args.length) {
                        throw new IllegalArgumentException("usage: vmm [--state DIR] daemon start|stop|status");
                    }
                    return new LaunchOptions(state, commands, null, verbose, false, null, null, false, verb);
                }
                case "img" -> {
                    // Everything after "img" belongs to the image tool.
                    return new LaunchOptions(state, commands, null, verbose, false,
                            List.of(args).subList(i + 1, args.length), null, false, null);
                }
                case "run" -> {
                    // Everything after "run" belongs to the machine's options.
                    return new LaunchOptions(state, commands, null, verbose, false, null,
                            List.of(args).subList(i + 1, args.length), false, null);
                }
                default -> {
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option '" + a + "' (try --help)");
                    }
                    if (script != null) {
                        throw new IllegalArgumentException("only one script file, got '" + script + "' and '" + a + "'");
                    }
                    script = Path.of(a);
                }
            }
        }
        if (script != null && !commands.isEmpty()) {
            throw new IllegalArgumentException("give either -c commands or a script file, not both");
        }
        return new LaunchOptions(state, List.copyOf(commands), script, verbose, help, null, null, daemon, null);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + option + " needs a value");
        }
        return args[i];
    }

    static Path defaultState() {
        String home = System.getenv("VMM_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("vmm");
    }

    boolean interactive() {
        return commands.isEmpty() && script == null && !daemon;
    }

    /** Commands that leave a domain running need the daemon: it is started for them. */
    boolean needsDaemon(List<String> texts) {
        for (String text : texts) {
            for (String line : text.split("[\\n;]")) {
                String first = line.strip().split("\\s+", 2)[0];
                if (List.of("start", "create", "vmm:start", "vmm:create").contains(first)) {
                    return true;
                }
            }
        }
        return false;
    }
}
