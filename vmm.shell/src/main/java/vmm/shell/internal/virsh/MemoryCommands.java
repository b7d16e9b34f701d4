package vmm.shell.internal.virsh;

import static vmm.shell.internal.virsh.CommandSpec.DOMAIN_OPTION;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;
import vmm.shell.internal.virsh.VirshCommand.Context;

/** virsh's setmem and dommemstat: the guest's memory as its balloon moves it. */
final class MemoryCommands {

    private MemoryCommands() {
    }

    static List<VirshCommand> all() {
        return List.of(
                new VirshCommand(new CommandSpec("setmem", Group.DOMAIN, "change memory allocation",
                        "Change the current memory allocation in the guest domain.",
                        List.of(DOMAIN_OPTION, Option.data("size", "new memory size, as scaled integer (default KiB)"),
                                Option.flag("config", "affect next boot"),
                                Option.flag("live", "affect running domain"),
                                Option.flag("current", "affect current domain"))),
                        MemoryCommands::setmem),
                new VirshCommand(new CommandSpec("dommemstat", Group.MONITOR, "get memory statistics for a domain",
                        "Get memory statistics for a running domain.", List.of(DOMAIN_OPTION)),
                        MemoryCommands::dommemstat));
    }

    /**
     * As virsh's cmdSetmem: no flag is virDomainSetMemory, which the QEMU driver runs as
     * {@code --live}; {@code --current} is live for a running domain, else the stored one.
     */
    private static void setmem(Args args, Context ctx) throws VirshError {
        boolean current = args.flag("current");
        boolean live = args.flag("live");
        boolean config = args.flag("config");
        if (current && (live || config)) {
            throw new VirshError("Options --current and --" + (live ? "live" : "config") + " are mutually exclusive");
        }
        long kib = kibibytes(args.get("size"), "size");
        DomainInfo d = DomainCommands.domain(ctx, args);
        try {
            ctx.domains().setMemory(d.definition().uuid().toString(), kib, live || !current && !config, config);
        } catch (DomainException e) {
            throw new VirshError(e.getMessage());
        }
    }

    private static void dommemstat(Args args, Context ctx) throws VirshError {
        DomainInfo d = DomainCommands.domain(ctx, args);
        Map<String, Long> stats;
        try {
            stats = ctx.domains().memoryStats(d.definition().uuid().toString());
        } catch (DomainException e) {
            throw new VirshError("Failed to get memory statistics for domain " + d.name(), e.getMessage());
        }
        StringBuilder sb = new StringBuilder();
        stats.forEach((name, value) -> sb.append(name).append(' ').append(Long.toUnsignedString(value)).append('\n'));
        ctx.out().print(sb);
    }

    /**
     * virsh's scaled integer (virScaleInteger), rounded up to KiB: a bare number is KiB;
     * {@code b}/{@code bytes}; {@code k m g t p e} alone or with {@code iB} are powers of 1024,
     * with {@code B} powers of 1000.
     */
    static long kibibytes(String text, String option) throws VirshError {
        VirshError malformed = new VirshError("Scaled numeric value '" + text + "' for <" + option
                + "> option is malformed or out of range");
        int end = 0;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        if (end == 0) {
            throw malformed;
        }
        String suffix = text.substring(end).toLowerCase(Locale.ROOT);
        long scale;
        if (suffix.isEmpty()) {
            scale = 1024;
        } else if (suffix.equals("b") || suffix.equals("byte") || suffix.equals("bytes")) {
            scale = 1;
        } else {
            long base;
            if (suffix.length() == 1 || suffix.substring(1).equals("ib")) {
                base = 1024;
            } else if (suffix.substring(1).equals("b")) {
                base = 1000;
            } else {
                throw malformed;
            }
            int power = "kmgtpe".indexOf(suffix.charAt(0)) + 1;
            if (power == 0) {
                throw malformed;
            }
            scale = 1;
            for (int i = 0; i < power; i++) {
                scale *= base;
            }
        }
        try {
            long bytes = Math.multiplyExact(Long.parseLong(text.substring(0, end)), scale);
            return bytes / 1024 + (bytes % 1024 == 0 ? 0 : 1);
        } catch (NumberFormatException | ArithmeticException e) {
            throw malformed;
        }
    }
}
