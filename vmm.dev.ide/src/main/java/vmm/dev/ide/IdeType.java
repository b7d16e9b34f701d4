package vmm.dev.ide;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.OpenOptions;
import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.machine.DeviceSpec;

/**
 * {@code ide}: a PIIX4 IDE controller with up to four ATA disks. One disk as QEMU's
 * {@code -device ide-hd}: {@code file=FILE} ({@code image=} too), {@code format=raw|qcow2}
 * (probed when absent), {@code readonly=on}, {@code target=hda|hdb|hdc|hdd} (default hda),
 * {@code serial=ID}. Several disks (what domains give): the same keys prefixed with the
 * target, {@code hda.file=...,hdc.file=...,hdc.readonly=on}. hda/hdb are the primary
 * channel's master/slave (ports 0x1F0, IRQ 14), hdc/hdd the secondary's (0x170, IRQ 15).
 */
@Component(property = vmm.core.device.DeviceType.PROPERTY + "=ide")
public final class IdeType implements vmm.core.device.DeviceType {
    static final List<String> TARGETS = List.of("hda", "hdb", "hdc", "hdd");
    private static final Set<String> KEYS = Set.of("file", "image", "format", "readonly", "serial");

    private volatile BlockFormats formats;

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setFormats(BlockFormats f) {
        formats = f;
    }

    void unsetFormats(BlockFormats f) {
        if (formats == f) {
            formats = null;
        }
    }

    @Override
    public String name() {
        return "ide";
    }

    @Override
    public BusDevice create(DeviceContext ctx, Map<String, String> config) {
        Map<String, Map<String, String>> disks = disks(config);
        BlockFormats f = formats;
        if (f == null) {
            throw new IllegalStateException("ide: no disk formats available");
        }
        AtaDrive[] drives = new AtaDrive[4];
        try {
            for (int i = 0; i < 4; i++) {
                Map<String, String> d = disks.get(TARGETS.get(i));
                if (d != null) {
                    drives[i] = open(f, TARGETS.get(i), d, ctx.name());
                }
            }
        } catch (RuntimeException e) {
            for (AtaDrive d : drives) {
                if (d != null) {
                    try {
                        d.close();
                    } catch (IOException c) {
                        e.addSuppressed(c);
                    }
                }
            }
            throw e;
        }
        IdeStats stats = new IdeStats();
        java.util.concurrent.ExecutorService io = java.util.concurrent.Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name(ctx.name() + "-io").factory());
        IdeChannel primary = new IdeChannel(ctx.name() + " primary", drives[0], drives[1], ctx.irq(14), ctx.memory(), stats,
                io);
        IdeChannel secondary = new IdeChannel(ctx.name() + " secondary", drives[2], drives[3], ctx.irq(15), ctx.memory(),
                stats, io);
        return new PiixIde(primary, secondary, stats, io);
    }

    /** The settings grouped by target; an unknown key or target is an error naming it. */
    static Map<String, Map<String, String>> disks(Map<String, String> config) {
        Map<String, Map<String, String>> disks = new java.util.LinkedHashMap<>();
        String single = config.getOrDefault("target", "hda");
        if (!TARGETS.contains(single)) {
            throw new IllegalArgumentException("ide: target=" + single + " is not one of " + TARGETS);
        }
        for (var e : config.entrySet()) {
            String key = e.getKey();
            String target = single;
            int dot = key.indexOf('.');
            if (dot > 0) {
                target = key.substring(0, dot);
                key = key.substring(dot + 1);
                if (!TARGETS.contains(target)) {
                    throw new IllegalArgumentException("ide: '" + e.getKey() + "' names no drive (" + TARGETS + ")");
                }
            } else if (key.equals("target") || key.equals("irq")) {
                continue; // irq: the machine's INTx offer; legacy mode uses IRQ 14 and 15
            }
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("ide: unknown setting '" + e.getKey() + "' (known: " + KEYS
                        + ", target, or hdX.KEY)");
            }
            disks.computeIfAbsent(target, t -> new java.util.HashMap<>()).put(key, e.getValue());
        }
        List<String> empty = new ArrayList<>();
        disks.forEach((t, d) -> {
            if (!d.containsKey("file") && !d.containsKey("image")) {
                empty.add(t);
            }
        });
        if (disks.isEmpty() || !empty.isEmpty()) {
            throw new IllegalArgumentException("ide needs file=FILE" + (empty.isEmpty() ? "" : " for " + empty));
        }
        return disks;
    }

    private static AtaDrive open(BlockFormats f, String target, Map<String, String> d, String deviceName) {
        String file = d.getOrDefault("file", d.get("image"));
        boolean ro = DeviceSpec.flag(d, "readonly");
        BlockImage image;
        try {
            image = f.open(Path.of(file), d.get("format"), ro ? OpenOptions.readOnlyImage() : OpenOptions.readWrite());
        } catch (IOException e) {
            throw new UncheckedIOException("ide " + target + ": " + e.getMessage(), e);
        }
        String serial = d.getOrDefault("serial", "VMM-" + target.toUpperCase(java.util.Locale.ROOT));
        return new AtaDrive(image, ro, serial, "VMM HARDDISK");
    }
}
