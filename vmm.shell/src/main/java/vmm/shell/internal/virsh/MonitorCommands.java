package vmm.shell.internal.virsh;

import static vmm.shell.internal.virsh.CommandSpec.DOMAIN_OPTION;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.StateReason;
import vmm.core.domain.VcpuInfo;
import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;
import vmm.shell.internal.virsh.VirshCommand.Context;

/** virsh's vcpuinfo and domstats, with virsh 9.x's output. */
final class MonitorCommands {

    private MonitorCommands() {
    }

    static List<VirshCommand> all() {
        return List.of(
                new VirshCommand(new CommandSpec("vcpuinfo", Group.DOMAIN, "detailed domain vcpu information",
                        "Returns basic information about the domain virtual CPUs.",
                        List.of(DOMAIN_OPTION, Option.flag("pretty", "return human readable output"))),
                        MonitorCommands::vcpuinfo),
                new VirshCommand(new CommandSpec("domstats", Group.MONITOR, "get statistics about one or multiple domains",
                        "Gets statistics about one or more (or all) domains",
                        List.of(Option.flag("state", "report domain state"),
                                Option.flag("cpu-total", "report domain physical cpu usage"),
                                Option.flag("balloon", "report domain balloon statistics"),
                                Option.flag("vcpu", "report domain virtual cpu information"),
                                Option.flag("interface", "report domain network interface information"),
                                Option.flag("block", "report domain block device statistics"),
                                Option.optionalData("domain", "list of domains to get stats for"))),
                        MonitorCommands::domstats));
    }

    /**
     * As virsh's cmdVcpuinfo: an active domain's vCPUs with their host CPU and CPU time (left
     * out while 0, as virsh does); an inactive one's with "N/A" (virsh's "CPU time" label has
     * no colon there, a quirk kept as is). Affinity: every host CPU, as nothing pins vCPUs.
     */
    private static void vcpuinfo(Args args, Context ctx) throws VirshError {
        DomainInfo d = DomainCommands.domain(ctx, args);
        int hostCpus = Runtime.getRuntime().availableProcessors();
        String affinity = args.flag("pretty") ? (hostCpus == 1 ? "0" : "0-" + (hostCpus - 1)) + " (out of " + hostCpus + ")"
                : "y".repeat(hostCpus);
        StringBuilder sb = new StringBuilder();
        if (!d.active()) {
            for (int i = 0; i < d.definition().vcpus(); i++) {
                if (i != 0) {
                    sb.append('\n');
                }
                field(sb, "VCPU:", Integer.toString(i));
                field(sb, "CPU:", "N/A");
                field(sb, "State:", "N/A");
                field(sb, "CPU time", "N/A");
                field(sb, "CPU Affinity:", affinity);
            }
            ctx.out().print(sb);
            return;
        }
        List<VcpuInfo> vcpus;
        try {
            vcpus = ctx.domains().vcpuInfo(d.definition().uuid().toString());
        } catch (DomainException e) {
            throw new VirshError(e.getMessage());
        }
        for (VcpuInfo v : vcpus) {
            if (v.vcpu() != 0) {
                sb.append('\n');
            }
            field(sb, "VCPU:", Integer.toString(v.vcpu()));
            field(sb, "CPU:", Integer.toString(v.hostCpu()));
            field(sb, "State:", "running");
            if (v.cpuTimeNs() != 0) {
                field(sb, "CPU time:", String.format(Locale.ROOT, "%.1fs", v.cpuTimeNs() / 1e9));
            }
            field(sb, "CPU Affinity:", affinity);
        }
        ctx.out().print(sb);
    }

    private static void field(StringBuilder sb, String label, String value) {
        sb.append(String.format(Locale.ROOT, "%-15s %s%n", label, value));
    }

    /**
     * As virsh's cmdDomstats: one record per domain, {@code Domain: 'NAME'} then
     * {@code   field=value} lines and a blank line; no group flag means every group.
     */
    private static void domstats(Args args, Context ctx) throws VirshError {
        List<String> groups = new ArrayList<>();
        for (String g : List.of("state", "cpu-total", "balloon", "vcpu", "interface", "block")) {
            if (args.flag(g)) {
                groups.add(g);
            }
        }
        boolean all = groups.isEmpty();
        List<DomainInfo> domains = args.domain() == null ? ctx.domains().list() : List.of(DomainCommands.domain(ctx, args));
        StringBuilder sb = new StringBuilder();
        for (DomainInfo d : domains) {
            DomainDefinition def = d.definition();
            sb.append("Domain: '").append(d.name()).append("'\n");
            if (all || groups.contains("state")) {
                stat(sb, "state.state", d.state().ordinal());
                stat(sb, "state.reason", reasonCode(d.reason()));
            }
            List<VcpuInfo> vcpus = List.of();
            if (d.active()) {
                try {
                    vcpus = ctx.domains().vcpuInfo(def.uuid().toString());
                } catch (DomainException stoppedMeanwhile) {
                    vcpus = List.of();
                }
            }
            if (d.active() && (all || groups.contains("cpu-total"))) {
                stat(sb, "cpu.time", vcpus.stream().mapToLong(VcpuInfo::cpuTimeNs).sum());
            }
            if (all || groups.contains("balloon")) {
                stat(sb, "balloon.current", DomainCommands.usedMemoryKiB(ctx, d));
                stat(sb, "balloon.maximum", def.memoryKiB());
            }
            if (all || groups.contains("vcpu")) {
                stat(sb, "vcpu.current", def.vcpus());
                stat(sb, "vcpu.maximum", def.vcpus());
                for (VcpuInfo v : vcpus) {
                    stat(sb, "vcpu." + v.vcpu() + ".state", 1);
                    stat(sb, "vcpu." + v.vcpu() + ".time", v.cpuTimeNs());
                }
            }
            if (all || groups.contains("interface")) {
                stat(sb, "net.count", def.interfaces().size());
            }
            if (all || groups.contains("block")) {
                stat(sb, "block.count", def.disks().size());
                for (int i = 0; i < def.disks().size(); i++) {
                    DomainDefinition.Disk disk = def.disks().get(i);
                    sb.append("  block.").append(i).append(".name=").append(disk.target()).append('\n');
                    if (disk.source() != null) {
                        sb.append("  block.").append(i).append(".path=").append(disk.source()).append('\n');
                    }
                }
            }
            sb.append('\n');
        }
        ctx.out().print(sb);
    }

    private static void stat(StringBuilder sb, String field, long value) {
        sb.append("  ").append(field).append('=').append(value).append('\n');
    }

    /** libvirt's virDomain*Reason numbers: each state numbers its own reasons. */
    static int reasonCode(StateReason r) {
        return switch (r) {
            case UNKNOWN -> 0;
            case BOOTED -> 1;
            case RESTORED -> 3;
            case FROM_SNAPSHOT -> 4;
            case UNPAUSED -> 5;
            case USER -> 1;
            case SHUTTING_DOWN -> 8;
            case STARTING_UP -> 11;
            case SHUTDOWN -> 1;
            case DESTROYED -> 2;
            case CRASHED -> 3;
            case SAVED -> 5;
            case FAILED -> 6;
            case DAEMON -> 8;
            case PANICKED -> 1;
        };
    }
}
