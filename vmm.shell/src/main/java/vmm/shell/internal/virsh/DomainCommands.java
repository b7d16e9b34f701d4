package vmm.shell.internal.virsh;

import static vmm.shell.internal.virsh.CommandSpec.DOMAIN_OPTION;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.DomainState;
import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;
import vmm.shell.internal.virsh.VirshCommand.Context;

/**
 * virsh's domain definition and monitoring commands: the same names, options, output and
 * error texts as virsh 9.x.
 */
public final class DomainCommands {

    private DomainCommands() {
    }

    static List<VirshCommand> all() {
        return List.of(
                new VirshCommand(new CommandSpec("define", Group.DOMAIN, "define (but don't start) a domain from an XML file",
                        "Define a domain.", List.of(Option.data("file", "file containing an XML domain description"),
                                Option.flag("validate", "validate the XML against the schema"))),
                        DomainCommands::define),
                new VirshCommand(new CommandSpec("undefine", Group.DOMAIN, "undefine a domain",
                        "Undefine an inactive domain, or convert persistent to transient.", List.of(DOMAIN_OPTION,
                                Option.flag("snapshots-metadata", "remove all domain snapshot metadata (vm must be inactive)"))),
                        DomainCommands::undefine),
                new VirshCommand(new CommandSpec("dumpxml", Group.DOMAIN, "domain information in XML",
                        "Output the domain information as an XML dump to stdout.",
                        List.of(DOMAIN_OPTION, Option.flag("inactive", "show inactive defined XML"))),
                        DomainCommands::dumpxml),
                new VirshCommand(new CommandSpec("edit", Group.DOMAIN, "edit XML configuration for a domain",
                        "Edit the XML configuration for a domain.", List.of(DOMAIN_OPTION)),
                        DomainEdit::edit),
                new VirshCommand(new CommandSpec("autostart", Group.DOMAIN, "autostart a domain",
                        "Configure a domain to be automatically started at boot.",
                        List.of(DOMAIN_OPTION, Option.flag("disable", "disable autostarting"))),
                        DomainCommands::autostart),
                new VirshCommand(new CommandSpec("domid", Group.DOMAIN, "convert a domain name or UUID to domain id", "",
                        List.of(Option.data("domain", "domain name or uuid"))), DomainCommands::domid),
                new VirshCommand(new CommandSpec("domname", Group.DOMAIN, "convert a domain id or UUID to domain name", "",
                        List.of(Option.data("domain", "domain id or uuid"))), DomainCommands::domname),
                new VirshCommand(new CommandSpec("domuuid", Group.DOMAIN, "convert a domain name or id to domain UUID", "",
                        List.of(Option.data("domain", "domain id or name"))), DomainCommands::domuuid),
                new VirshCommand(new CommandSpec("list", Group.MONITOR, "list domains", "Returns list of domains.",
                        List.of(Option.flag("inactive", "list inactive domains"),
                                Option.flag("all", "list inactive & active domains"),
                                Option.flag("transient", "list transient domains"),
                                Option.flag("persistent", "list persistent domains"),
                                Option.flag("autostart", "list domains with autostart enabled"),
                                Option.flag("no-autostart", "list domains with autostart disabled"),
                                Option.flag("state-running", "list domains in running state"),
                                Option.flag("state-paused", "list domains in paused state"),
                                Option.flag("state-shutoff", "list domains in shutoff state"),
                                Option.flag("state-other", "list domains in other states"),
                                Option.flag("uuid", "list uuid's only"),
                                Option.flag("name", "list domain names only"),
                                Option.flag("id", "list domain IDs only"),
                                Option.flag("table", "list table (default)"),
                                Option.flag("title", "show domain title"))),
                        DomainCommands::list),
                new VirshCommand(new CommandSpec("dominfo", Group.MONITOR, "domain information",
                        "Returns basic information about the domain.", List.of(DOMAIN_OPTION)), DomainCommands::dominfo),
                new VirshCommand(new CommandSpec("domstate", Group.MONITOR, "domain state", "Returns state about a domain.",
                        List.of(DOMAIN_OPTION, Option.flag("reason", "also print reason for the state"))),
                        DomainCommands::domstate),
                new VirshCommand(new CommandSpec("domblklist", Group.MONITOR, "list all domain blocks",
                        "Get the summary of block devices for a domain.",
                        List.of(DOMAIN_OPTION, Option.flag("inactive", "get inactive rather than running configuration"),
                                Option.flag("details", "additionally display the type and device value"))),
                        DomainCommands::domblklist),
                new VirshCommand(new CommandSpec("domiflist", Group.MONITOR, "list all domain virtual interfaces",
                        "Get the summary of virtual interfaces for a domain.",
                        List.of(DOMAIN_OPTION, Option.flag("inactive", "get inactive rather than running configuration"))),
                        DomainCommands::domiflist));
    }

    /** The domain named by the command's domain option, or virsh's lookup error. */
    static DomainInfo domain(Context ctx, Args args) throws VirshError {
        return ctx.domains().find(args.domain())
                .orElseThrow(() -> new VirshError("failed to get domain '" + args.domain() + "'"));
    }

    static String readFile(Context ctx, String file) throws VirshError {
        try {
            return Files.readString(ctx.file(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VirshError("Failed to open file '" + file + "': " + reason(e));
        }
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        return e.getMessage();
    }

    static void warnings(Context ctx, DomainDefinition def) {
        for (String w : def.warnings()) {
            ctx.err().println("warning: " + w);
        }
    }

    private static void define(Args args, Context ctx) throws VirshError {
        String file = args.get("file");
        String xml = readFile(ctx, file);
        try {
            DomainInfo d = ctx.domains().define(xml);
            warnings(ctx, d.definition());
            ctx.out().println("Domain '" + d.name() + "' defined from " + file);
        } catch (DomainException e) {
            throw new VirshError("Failed to define domain from " + file, e.getMessage());
        }
    }

    private static void undefine(Args args, Context ctx) throws VirshError {
        DomainInfo d = domain(ctx, args);
        // As libvirt: snapshot metadata is not orphaned silently (the disks keep their snapshots).
        Path snapshots = ctx.stateDir().resolve("snapshots").resolve(d.name());
        List<Path> metadata = List.of();
        if (Files.isDirectory(snapshots)) {
            try (var files = Files.list(snapshots)) {
                metadata = files.filter(p -> p.getFileName().toString().endsWith(".xml")
                        && !p.getFileName().toString().startsWith(".")).toList();
            } catch (IOException e) {
                throw new VirshError("Failed to undefine domain '" + d.name() + "'", e.getMessage());
            }
        }
        if (!metadata.isEmpty() && !args.flag("snapshots-metadata")) {
            throw new VirshError("Failed to undefine domain '" + d.name() + "'",
                    "Requested operation is not valid: cannot delete inactive domain with " + metadata.size() + " snapshots");
        }
        try {
            ctx.domains().undefine(d.definition().uuid().toString());
            for (Path p : metadata) {
                Files.deleteIfExists(p);
            }
            ctx.out().println("Domain '" + d.name() + "' has been undefined");
        } catch (DomainException e) {
            throw new VirshError("Failed to undefine domain '" + d.name() + "'", e.getMessage());
        } catch (IOException e) {
            throw new VirshError("Domain '" + d.name() + "' has been undefined, but its snapshot metadata could not be "
                    + "removed", e.getMessage());
        }
    }

    private static void dumpxml(Args args, Context ctx) throws VirshError {
        DomainInfo d = domain(ctx, args);
        try {
            ctx.out().print(ctx.domains().dumpXml(d.definition().uuid().toString(), args.flag("inactive")));
        } catch (DomainException e) {
            throw new VirshError(e.getMessage());
        }
    }

    private static void autostart(Args args, Context ctx) throws VirshError {
        DomainInfo d = domain(ctx, args);
        boolean on = !args.flag("disable");
        try {
            ctx.domains().setAutostart(d.definition().uuid().toString(), on);
        } catch (DomainException e) {
            throw new VirshError(on ? "Failed to mark domain '" + d.name() + "' as autostarted"
                    : "Failed to unmark domain '" + d.name() + "' as autostarted", e.getMessage());
        }
        ctx.out().println(on ? "Domain '" + d.name() + "' marked as autostarted"
                : "Domain '" + d.name() + "' unmarked as autostarted");
    }

    private static void domid(Args args, Context ctx) throws VirshError {
        DomainInfo d = domain(ctx, args);
        ctx.out().println(d.active() ? Integer.toString(d.id()) : "-");
    }

    private static void domname(Args args, Context ctx) throws VirshError {
        ctx.out().println(domain(ctx, args).name());
    }

    private static void domuuid(Args args, Context ctx) throws VirshError {
        ctx.out().println(domain(ctx, args).definition().uuid());
    }

    private static void list(Args args, Context ctx) throws VirshError {
        boolean active = true;
        boolean inactive = false;
        if (args.flag("inactive") || args.flag("state-shutoff")) {
            active = false;
            inactive = true;
        }
        if (args.flag("all")) {
            active = true;
            inactive = true;
        }
        boolean optName = args.flag("name");
        boolean optUuid = args.flag("uuid");
        boolean optId = args.flag("id");
        if (args.flag("table") && (optName || optUuid || optId)) {
            throw new VirshError("Options --table and --" + (optName ? "name" : optUuid ? "uuid" : "id")
                    + " are mutually exclusive");
        }
        boolean table = !optName && !optUuid && !optId;
        boolean title = args.flag("title");
        Table t = title ? new Table("Id", "Name", "State", "Title") : new Table("Id", "Name", "State");
        for (DomainInfo d : ctx.domains().list()) {
            if (d.active() ? !active : !inactive) {
                continue;
            }
            if (!matchesFilters(args, d)) {
                continue;
            }
            String id = d.active() ? Integer.toString(d.id()) : "-";
            if (table) {
                if (title) {
                    String tt = d.definition().title();
                    t.row(id, d.name(), d.state().label(), tt == null ? "" : tt);
                } else {
                    t.row(id, d.name(), d.state().label());
                }
                continue;
            }
            StringBuilder line = new StringBuilder();
            String sep = "";
            if (optUuid) {
                line.append(d.definition().uuid());
                sep = " ";
            }
            if (optId) {
                if (!d.active() && !optUuid && !optName) {
                    continue;
                }
                line.append(sep).append(id);
                sep = " ";
            }
            if (optName) {
                line.append(sep).append(d.name());
            }
            ctx.out().println(line);
        }
        if (table) {
            ctx.out().print(t.render());
        }
        for (String p : ctx.domains().problems()) {
            ctx.err().println("warning: " + p);
        }
    }

    private static boolean matchesFilters(Args args, DomainInfo d) {
        boolean p = args.flag("persistent");
        boolean tr = args.flag("transient");
        if ((p || tr) && !(p && d.persistent() || tr && !d.persistent())) {
            return false;
        }
        boolean as = args.flag("autostart");
        boolean nas = args.flag("no-autostart");
        if ((as || nas) && !(as && d.autostart() || nas && !d.autostart())) {
            return false;
        }
        boolean run = args.flag("state-running");
        boolean pau = args.flag("state-paused");
        boolean off = args.flag("state-shutoff");
        boolean oth = args.flag("state-other");
        if (run || pau || off || oth) {
            DomainState s = d.state();
            boolean other = s != DomainState.RUNNING && s != DomainState.PAUSED && s != DomainState.SHUTOFF;
            return run && s == DomainState.RUNNING || pau && s == DomainState.PAUSED || off && s == DomainState.SHUTOFF
                    || oth && other;
        }
        return true;
    }

    private static void dominfo(Args args, Context ctx) throws VirshError {
        DomainInfo d = domain(ctx, args);
        DomainDefinition def = d.definition();
        StringBuilder sb = new StringBuilder();
        field(sb, "Id:", d.active() ? Integer.toString(d.id()) : "-");
        field(sb, "Name:", d.name());
        field(sb, "UUID:", def.uuid().toString());
        field(sb, "OS Type:", def.os().type());
        field(sb, "State:", d.state().label());
        field(sb, "CPU(s):", Integer.toString(def.vcpus()));
        if (d.cpuTimeNs() != 0) {
            field(sb, "CPU time:", String.format(Locale.ROOT, "%.1fs", d.cpuTimeNs() / 1e9));
        }
        field(sb, "Max memory:", def.memoryKiB() + " KiB");
        field(sb, "Used memory:", usedMemoryKiB(ctx, d) + " KiB");
        field(sb, "Persistent:", d.persistent() ? "yes" : "no");
        field(sb, "Autostart:", d.autostart() ? "enable" : "disable");
        field(sb, "Managed save:", "no");
        // libvirt's "none" security driver: what a host without SELinux/AppArmor labelling reports.
        field(sb, "Security model:", "none");
        field(sb, "Security DOI:", "0");
        ctx.out().print(sb);
    }

    /** A running guest's memory as its balloon stands (libvirt's cur_balloon), else currentMemory. */
    static long usedMemoryKiB(Context ctx, DomainInfo d) {
        if (d.active()) {
            try {
                Long actual = ctx.domains().memoryStats(d.definition().uuid().toString()).get("actual");
                if (actual != null) {
                    return actual;
                }
            } catch (DomainException e) {
                // It stopped since the lookup: what it was defined with, as for any inactive domain.
            }
        }
        return d.definition().currentMemoryKiB();
    }

    /** virsh's {@code "%-15s %s\n"}. */
    private static void field(StringBuilder sb, String label, String value) {
        sb.append(String.format(Locale.ROOT, "%-15s %s%n", label, value));
    }

    private static void domstate(Args args, Context ctx) throws VirshError {
        DomainInfo d = domain(ctx, args);
        if (args.flag("reason")) {
            ctx.out().println(d.state().label() + " (" + d.reason().label() + ")");
        } else {
            ctx.out().println(d.state().label());
        }
    }

    private static void domblklist(Args args, Context ctx) throws VirshError {
        DomainDefinition def = definition(ctx, args);
        boolean details = args.flag("details");
        Table t = details ? new Table("Type", "Device", "Target", "Source") : new Table("Target", "Source");
        for (DomainDefinition.Disk disk : def.disks()) {
            String source = disk.source() == null ? "-" : disk.source();
            if (details) {
                t.row(disk.type(), disk.device(), disk.target(), source);
            } else {
                t.row(disk.target(), source);
            }
        }
        ctx.out().print(t.render());
    }

    private static void domiflist(Args args, Context ctx) throws VirshError {
        DomainDefinition def = definition(ctx, args);
        Table t = new Table("Interface", "Type", "Source", "Model", "MAC");
        for (DomainDefinition.NetInterface nic : def.interfaces()) {
            t.row(nic.target() == null ? "-" : nic.target(), nic.type(), nic.source() == null ? "-" : nic.source(),
                    nic.model() == null ? "-" : nic.model(), nic.mac());
        }
        ctx.out().print(t.render());
    }

    /** The running definition, or with --inactive the stored one. */
    private static DomainDefinition definition(Context ctx, Args args) throws VirshError {
        DomainInfo d = domain(ctx, args);
        if (!args.flag("inactive") || !d.active()) {
            return d.definition();
        }
        try {
            return ctx.domains().parse(ctx.domains().dumpXml(d.definition().uuid().toString(), true));
        } catch (DomainException e) {
            throw new VirshError(e.getMessage());
        }
    }
}
