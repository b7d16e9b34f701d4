package vmm.shell.internal.virsh;

import static vmm.shell.internal.virsh.CommandSpec.DOMAIN_OPTION;

import java.util.List;

import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.DomainManager;
import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;
import vmm.shell.internal.virsh.VirshCommand.Context;

/** virsh's life cycle commands: start, create, destroy, shutdown, reboot, suspend, resume. */
final class LifecycleCommands {

    private LifecycleCommands() {
    }

    /** An operation on a domain given by UUID. */
    @FunctionalInterface
    private interface Operation {
        void apply(DomainManager m, String uuid) throws DomainException;
    }

    static List<VirshCommand> all() {
        return List.of(
                new VirshCommand(new CommandSpec("start", Group.DOMAIN, "start a (previously defined) inactive domain",
                        "Start a domain, either from the last managedsave state, or via a fresh boot if no managedsave state is present.",
                        List.of(DOMAIN_OPTION, Option.flag("console", "attach to console after creation"))),
                        LifecycleCommands::start),
                new VirshCommand(new CommandSpec("create", Group.DOMAIN, "create a domain from an XML file",
                        "Create a domain.", List.of(Option.data("file", "file containing an XML domain description"))),
                        LifecycleCommands::create),
                simple("destroy", "destroy (stop) a domain", "Forcefully stop a given domain, but leave its resources intact.",
                        DomainManager::destroy, "destroyed", "destroy"),
                new VirshCommand(new CommandSpec("shutdown", Group.DOMAIN, "gracefully shutdown a domain",
                        "Run shutdown in the target domain: press its ACPI power button. The domain is 'in shutdown'"
                                + " until the guest powers off; if it has not after the timeout (--timeout, else the"
                                + " vmm.shutdown.timeout property, 120 s by default), it is running again (never killed).",
                        List.of(DOMAIN_OPTION, Option.string("mode", "shutdown mode: acpi (the only one here)"),
                                Option.string("timeout", "seconds to wait for the guest to power off"))),
                        LifecycleCommands::shutdown),
                simple("reboot", "reboot a domain", "Run a reboot command in the target domain.",
                        DomainManager::reboot, "is being rebooted", "reboot"),
                simple("suspend", "suspend a domain", "Suspend a running domain.",
                        DomainManager::suspend, "suspended", "suspend"),
                simple("resume", "resume a domain", "Resume a previously suspended domain.",
                        DomainManager::resume, "resumed", "resume"));
    }

    private static VirshCommand simple(String name, String help, String desc, Operation op, String done, String verb) {
        return new VirshCommand(new CommandSpec(name, Group.DOMAIN, help, desc, List.of(DOMAIN_OPTION)), (args, ctx) -> {
            DomainInfo d = DomainCommands.domain(ctx, args);
            try {
                op.apply(ctx.domains(), d.definition().uuid().toString());
            } catch (DomainException e) {
                throw new VirshError("Failed to " + verb + " domain '" + d.name() + "'", e.getMessage());
            }
            ctx.out().println("Domain '" + d.name() + "' " + done);
        });
    }

    /** virsh's modes; this VMM has the first. */
    private static final List<String> SHUTDOWN_MODES = List.of("acpi", "agent", "initctl", "signal", "paravirt");

    private static void shutdown(Args args, Context ctx) throws VirshError {
        String mode = args.get("mode");
        if (mode != null) {
            for (String m : mode.split(",")) {
                if (!SHUTDOWN_MODES.contains(m)) {
                    throw new VirshError("Unknown mode " + m + " value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'");
                }
            }
        }
        java.time.Duration timeout = null;
        String seconds = args.get("timeout");
        if (seconds != null) {
            try {
                long n = Long.parseLong(seconds);
                if (n <= 0 || n > 86_400) {
                    throw new NumberFormatException();
                }
                timeout = java.time.Duration.ofSeconds(n);
            } catch (NumberFormatException e) {
                throw new VirshError("Numeric value '" + seconds + "' for <timeout> option is malformed or out of range"
                        + " (1 to 86400 seconds)");
            }
        }
        DomainInfo d = DomainCommands.domain(ctx, args);
        if (mode != null && !List.of(mode.split(",")).contains("acpi")) {
            throw new VirshError("Failed to shutdown domain '" + d.name() + "'", "Operation not supported: shutdown mode '"
                    + mode + "': this VMM presses the ACPI power button only (--mode acpi)");
        }
        try {
            String uuid = d.definition().uuid().toString();
            if (timeout == null) {
                ctx.domains().shutdown(uuid);
            } else {
                ctx.domains().shutdown(uuid, timeout);
            }
        } catch (DomainException e) {
            throw new VirshError("Failed to shutdown domain '" + d.name() + "'", e.getMessage());
        }
        ctx.out().println("Domain '" + d.name() + "' is being shutdown");
    }

    private static void start(Args args, Context ctx) throws VirshError {
        DomainInfo d = DomainCommands.domain(ctx, args);
        if (d.active()) {
            throw new VirshError("Domain is already active");
        }
        try {
            ctx.domains().start(d.definition().uuid().toString());
        } catch (DomainException e) {
            throw new VirshError("Failed to start domain '" + d.name() + "'", e.getMessage());
        }
        ctx.out().println("Domain '" + d.name() + "' started");
        if (args.flag("console")) {
            ctx.out().flush();
            ConsoleCommand.attach(ctx, DomainCommands.domain(ctx, args));
        }
    }

    private static void create(Args args, Context ctx) throws VirshError {
        String file = args.get("file");
        String xml = DomainCommands.readFile(ctx, file);
        try {
            DomainInfo d = ctx.domains().create(xml);
            DomainCommands.warnings(ctx, d.definition());
            ctx.out().println("Domain '" + d.name() + "' created from " + file);
        } catch (DomainException e) {
            throw new VirshError("Failed to create domain from " + file, e.getMessage());
        }
    }
}
