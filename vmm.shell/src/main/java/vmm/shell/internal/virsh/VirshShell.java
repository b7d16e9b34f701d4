package vmm.shell.internal.virsh;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import vmm.core.block.BlockFormats;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.DomainManager;
import vmm.core.hypervisor.Hypervisor;
import vmm.shell.internal.demo.DemoDomain;
import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;

/**
 * The product's shell: virsh's commands as Gogo functions in the {@code vmm} scope (one
 * {@link Function} service per command, so names like {@code snapshot-list} work), virsh's
 * {@code help}, the banner, and the completions the interactive profile installs.
 */
@Component(service = {})
public final class VirshShell {

    /** Implemented elsewhere (VmmCommands, ImgCommands), listed by help. */
    private static final List<CommandSpec> OTHERS = List.of(
            new CommandSpec("version", Group.HOST, "show version", "Display the VMM's version, state folder and Java.", List.of()),
            new CommandSpec("hypervisor", Group.HOST, "show the accelerators and whether this host can use them", "", List.of()),
            new CommandSpec("formats", Group.HOST, "list the disk image formats and their bundles", "", List.of()),
            img("create", "create a disk image"), img("info", "show information about a disk image"),
            img("check", "check a disk image for consistency"), img("convert", "convert a disk image"),
            img("snapshot", "list, create, apply or delete internal snapshots"),
            img("rebase", "change the backing file of a disk image"), img("resize", "resize a disk image"),
            img("commit", "commit an overlay into its backing file"), img("map", "show the allocation map"),
            img("compare", "compare two disk images"), img("bench", "measure disk image I/O"),
            new CommandSpec("quit", Group.VIRSH, "quit this interactive terminal", "", List.of()));

    private static CommandSpec img(String verb, String help) {
        return new CommandSpec("img:" + verb, Group.IMAGE, help + " (as qemu-img " + verb + ")", "", List.of());
    }

    private final DomainManager domains;
    private final BlockFormats formats;
    private final java.nio.file.Path stateDir;
    private final String version;
    private final List<VirshCommand> commands = new ArrayList<>();
    private final List<CommandSpec> specs = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final List<Hypervisor> hypervisors = new CopyOnWriteArrayList<>();
    private volatile DemoDomain demo;

    @Activate
    public VirshShell(@Reference DomainManager domains, @Reference BlockFormats formats, BundleContext context) {
        this.domains = domains;
        this.formats = formats;
        this.stateDir = vmm.core.state.VmmHome.fromProperty(context.getProperty(vmm.core.state.VmmHome.PROPERTY)).root();
        var v = context.getBundle().getVersion();
        this.version = v.getMajor() + "." + v.getMinor() + "." + v.getMicro();
        commands.addAll(DomainCommands.all());
        commands.addAll(LifecycleCommands.all());
        commands.addAll(SaveCommands.all());
        commands.addAll(MonitorCommands.all());
        commands.addAll(MemoryCommands.all());
        commands.add(CloneCommand.command());
        commands.addAll(SnapshotCommands.all());
        commands.add(ConsoleCommand.command());
        commands.add(new VirshCommand(new CommandSpec("help", Group.VIRSH, "print help",
                "Prints global help, command specific help, or help for a group of related commands",
                List.of(Option.optionalData("command", "Prints global help, command specific help, or help for a group of related commands"),
                        Option.flag("all", "also list the shell's own (Gogo) commands"))), this::help));
        for (VirshCommand c : commands) {
            specs.add(c.spec());
        }
        specs.addAll(OTHERS);
        specs.sort((a, b) -> a.name().compareTo(b.name()));
        for (VirshCommand c : commands) {
            register(context, c.spec().name(), (session, arguments) -> run(c, session, arguments));
        }
        register(context, "__domains", (session, arguments) -> domains.list().stream().map(DomainInfo::name).toList());
        register(context, "__banner", (session, arguments) -> {
            System.out.print(banner());
            return null;
        });
        // The launcher's line editor asks the daemon: the line before the cursor (URL-safe Base64, so
        // that no quoting of the shell's gets in the way), the candidates one per line.
        LineCompleter completer = new LineCompleter(specs, () -> domains.list().stream().map(DomainInfo::name).toList());
        register(context, "__complete", (session, arguments) -> {
            String line = arguments.isEmpty() ? ""
                    : new String(java.util.Base64.getUrlDecoder().decode(String.valueOf(arguments.get(0))),
                            java.nio.charset.StandardCharsets.UTF_8);
            Object names = session.get(".commands");
            java.util.Collection<String> commandNames = new java.util.ArrayList<>();
            if (names instanceof java.util.Collection<?> c) {
                c.forEach(n -> commandNames.add(String.valueOf(n)));
            }
            for (String candidate : completer.complete(line, commandNames)) {
                System.out.println(candidate);
            }
            return null;
        });
        // The launcher's edit runs the editor where the user's terminal is, then has the daemon
        // define the file: its path and the domain's name, URL-safe Base64 as above.
        register(context, "__define-edited", (session, arguments) -> {
            PrintStream out = System.out;
            try {
                if (arguments.size() != 2) {
                    throw new VirshError("__define-edited: expected FILE and NAME");
                }
                java.nio.file.Path file = java.nio.file.Path.of(unbase64(arguments.get(0)));
                String xml;
                try {
                    xml = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    throw new VirshError("cannot read the edited file " + file + ": " + e.getMessage());
                }
                DomainEdit.defineEdited(new VirshCommand.Context(domains, formats, stateDir, session, out, System.err),
                        xml, unbase64(arguments.get(1)), file);
                return null;
            } finally {
                out.println();
                out.flush();
            }
        });
        register(context, "__completions", (session, arguments) -> {
            installCompletions(session);
            return null;
        });
    }

    private static String unbase64(Object arg) throws VirshError {
        try {
            return new String(java.util.Base64.getUrlDecoder().decode(String.valueOf(arg)),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new VirshError("not URL-safe Base64: " + arg);
        }
    }

    private void register(BundleContext context, String name, Function f) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", "vmm");
        props.put("osgi.command.function", name);
        registrations.add(context.registerService(Function.class, f, props));
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // The framework unregisters a stopping bundle's services itself.
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setDemo(DemoDomain d) {
        demo = d;
    }

    void unsetDemo(DemoDomain d) {
        if (demo == d) {
            demo = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addHypervisor(Hypervisor h) {
        hypervisors.add(h);
    }

    void removeHypervisor(Hypervisor h) {
        hypervisors.remove(h);
    }

    /**
     * Runs one command as virsh's vshCommandRun does: output, then a blank line, on success
     * and on failure alike.
     */
    private Object run(VirshCommand c, CommandSession session, List<Object> arguments) throws VirshError {
        // Gogo points System.out at the session's stream while a command runs.
        PrintStream out = System.out;
        List<String> argv = arguments.stream().map(String::valueOf).toList();
        try {
            Args args = Args.parse(c.spec(), argv);
            c.handler().run(args, new VirshCommand.Context(domains, formats, stateDir, session, out, System.err));
            return null;
        } finally {
            out.println();
            out.flush();
        }
    }

    private void help(Args args, VirshCommand.Context ctx) throws VirshError {
        String what = args.get("command");
        if (what == null) {
            ctx.out().print(HelpText.grouped(specs));
            if (args.flag("all")) {
                ctx.out().println(" Shell (Gogo) commands, reachable with their scope (e.g. felix:lb, gogo:echo):");
                try {
                    Object r = ctx.session().execute("felix:help");
                    if (r != null) {
                        ctx.out().println(r);
                    }
                } catch (Exception e) {
                    throw new VirshError("cannot list the Gogo commands: " + e.getMessage());
                }
            } else {
                ctx.out().println(" The shell's own (Gogo) commands: 'help --all'.");
            }
            return;
        }
        for (CommandSpec s : specs) {
            if (s.name().equals(what) || s.name().equals("img:" + what)) {
                ctx.out().print(HelpText.command(s));
                return;
            }
        }
        for (Group g : Group.values()) {
            if (g.keyword.equals(what)) {
                ctx.out().print(HelpText.group(specs, g));
                return;
            }
        }
        throw new VirshError("command or command group '" + what + "' doesn't exist");
    }

    /** The interactive terminal's greeting, as virsh's, with what this VMM runs on. */
    String banner() {
        List<DomainInfo> all = domains.list();
        long running = all.stream().filter(DomainInfo::active).count();
        StringBuilder demoLines = new StringBuilder();
        DemoDomain d = demo;
        if (d != null) {
            for (String line : d.banner(domains)) {
                demoLines.append(demoLines.isEmpty() ? "Demo:        " : "             ").append(line).append('\n');
            }
        }
        return "Welcome to vmm " + version + ", the virtual machine monitor's interactive terminal.\n\n"
                + "Accelerator: " + accelerator() + "\n"
                + "Domains:     " + all.size() + " defined, " + running + " running\n"
                + demoLines + "\n"
                + "Type:  'help' for help with commands\n"
                + "       'quit' to quit\n\n";
    }

    /** The first usable of kvm, then emu; with why the others are not used. */
    private String accelerator() {
        StringBuilder notes = new StringBuilder();
        String chosen = null;
        for (String name : List.of("kvm", "emu")) {
            Hypervisor h = hypervisors.stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
            if (h == null) {
                notes.append(notes.isEmpty() ? "" : "; ").append(name).append(": not installed");
                continue;
            }
            var s = h.status();
            if (s.available() && chosen == null) {
                chosen = name + " (" + s.detail() + ")";
            } else if (!s.available()) {
                notes.append(notes.isEmpty() ? "" : "; ").append(name).append(": ").append(s.detail());
            }
        }
        if (chosen == null) {
            return "none (" + notes + ")";
        }
        return notes.isEmpty() ? chosen : chosen + " [" + notes + "]";
    }

    /** Tab completion for each command: its options, and domain names where a domain goes. */
    private void installCompletions(CommandSession session) throws Exception {
        for (VirshCommand c : commands) {
            CommandSpec s = c.spec();
            String cmd = "vmm:" + s.name();
            session.execute("complete -c " + cmd + " -e");
            session.execute("complete -c " + cmd + " -d '" + quote(s.help()) + "'");
            for (Option o : s.options()) {
                if (o.kind() == Option.Kind.BOOL) {
                    session.execute("complete -c " + cmd + " -l " + o.name() + " --description '" + quote(o.help()) + "'");
                }
            }
            boolean domain = s.options().stream().anyMatch(o -> o.name().equals("domain"));
            boolean file = s.options().stream().anyMatch(o -> o.name().equals("file"));
            if (domain) {
                session.execute("complete -c " + cmd + " -a 'vmm:__domains'");
            } else if (file) {
                session.execute("complete -c " + cmd + " -a '__files'");
            } else if (s.name().equals("help")) {
                session.execute("complete -c " + cmd + " -a '[" + String.join(" ",
                        specs.stream().map(CommandSpec::name).filter(n -> !n.contains(":")).toList()) + "]'");
            }
        }
    }

    private static String quote(String s) {
        return s.replace("'", "");
    }
}
