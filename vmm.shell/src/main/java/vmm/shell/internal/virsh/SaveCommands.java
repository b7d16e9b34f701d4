package vmm.shell.internal.virsh;

import static vmm.shell.internal.virsh.CommandSpec.DOMAIN_OPTION;

import java.nio.file.Path;
import java.util.List;

import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.RunAfterRestore;
import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;
import vmm.shell.internal.virsh.VirshCommand.Context;

/**
 * virsh's save and restore: a running or paused domain's whole state (vCPUs, devices, RAM; not
 * its disks) and live XML into a file, the domain then shut off (saved); and back, the guest
 * going on where it was. Texts as virsh 9.x prints them.
 */
final class SaveCommands {

    private SaveCommands() {
    }

    static List<VirshCommand> all() {
        Option running = Option.flag("running", "set domain to be running on restore");
        Option paused = Option.flag("paused", "set domain to be paused on restore");
        return List.of(
                new VirshCommand(new CommandSpec("save", Group.DOMAIN, "save a domain state to a file",
                        "Save the RAM state of a running domain.",
                        List.of(DOMAIN_OPTION, Option.data("file", "where to save the data"), running, paused)),
                        SaveCommands::save),
                new VirshCommand(new CommandSpec("restore", Group.DOMAIN, "restore a domain from a saved state in a file",
                        "Restore a domain.",
                        List.of(Option.data("file", "the state to restore"),
                                Option.flag("running", "restore domain into running state"),
                                Option.flag("paused", "restore domain into paused state"))),
                        SaveCommands::restore));
    }

    private static RunAfterRestore after(Args args) throws VirshError {
        if (args.flag("running") && args.flag("paused")) {
            throw new VirshError("Options --running and --paused are mutually exclusive");
        }
        return args.flag("running") ? RunAfterRestore.RUNNING
                : args.flag("paused") ? RunAfterRestore.PAUSED : RunAfterRestore.AS_SAVED;
    }

    private static void save(Args args, Context ctx) throws VirshError {
        RunAfterRestore after = after(args);
        DomainInfo d = DomainCommands.domain(ctx, args);
        String file = args.get("file");
        try {
            // virsh (the client library) makes the path absolute: the save runs elsewhere.
            ctx.domains().save(d.definition().uuid().toString(), ctx.file(file), after);
        } catch (DomainException e) {
            throw new VirshError("Failed to save domain '" + d.name() + "' to " + file, e.getMessage());
        }
        ctx.out().println("\nDomain '" + d.name() + "' saved to " + file);
    }

    private static void restore(Args args, Context ctx) throws VirshError {
        RunAfterRestore after = after(args);
        String file = args.get("file");
        try {
            ctx.domains().restore(ctx.file(file), after);
        } catch (DomainException e) {
            throw new VirshError("Failed to restore domain from " + file, e.getMessage());
        }
        ctx.out().println("Domain restored from " + file);
    }
}
