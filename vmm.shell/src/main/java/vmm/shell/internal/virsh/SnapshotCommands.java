package vmm.shell.internal.virsh;

import static vmm.shell.internal.virsh.CommandSpec.DOMAIN_OPTION;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import vmm.core.block.BlockImage;
import vmm.core.block.OpenOptions;
import vmm.core.block.Snapshottable;
import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.DomainManager;
import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;
import vmm.shell.internal.virsh.VirshCommand.Context;

/**
 * virsh's snapshot commands: an internal snapshot in every qcow2 disk (as libvirt's qemu
 * driver takes) and the snapshot's XML, with the domain definition of the moment, in
 * {@code STATE/snapshots/DOMAIN/NAME.xml}. Raw disks cannot hold one: refused with libvirt's
 * error before any disk is touched. A running or paused domain's snapshot also holds its VM
 * state ({@code NAME.save}, virsh save's format): the guest is stopped, saved, its disks
 * snapshotted while closed, and it goes on; snapshot-revert brings it back running where it was.
 */
final class SnapshotCommands {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z");

    private SnapshotCommands() {
    }

    static List<VirshCommand> all() {
        Option snap = Option.data("snapshotname", "snapshot name");
        return List.of(
                new VirshCommand(new CommandSpec("snapshot-create-as", Group.SNAPSHOT, "Create a snapshot from a set of args",
                        "Create a snapshot: an internal snapshot in each qcow2 disk, and for a running domain its VM state too.",
                        List.of(DOMAIN_OPTION, Option.optionalData("name", "name of snapshot"),
                                Option.string("description", "description of snapshot"),
                                Option.flag("disk-only", "disk state only (what a shut off domain's snapshot holds anyway)"))),
                        SnapshotCommands::create),
                new VirshCommand(new CommandSpec("snapshot-list", Group.SNAPSHOT, "List snapshots for a domain",
                        "Snapshot List", List.of(DOMAIN_OPTION)), SnapshotCommands::list),
                new VirshCommand(new CommandSpec("snapshot-revert", Group.SNAPSHOT, "Revert a domain to a snapshot",
                        "Revert domain to snapshot", List.of(DOMAIN_OPTION, snap)), SnapshotCommands::revert),
                new VirshCommand(new CommandSpec("snapshot-delete", Group.SNAPSHOT, "Delete a domain snapshot",
                        "Snapshot Delete", List.of(DOMAIN_OPTION, snap)), SnapshotCommands::delete));
    }

    /** A snapshot as stored: its XML's parts this code reads back. */
    private record Stored(String name, long creationTime, String state, List<String[]> disks, String domainXml) {
    }

    private static Path dir(Context ctx, DomainInfo d) {
        return ctx.stateDir().resolve("snapshots").resolve(d.name());
    }

    private static DomainInfo shutOff(Context ctx, Args args) throws VirshError {
        DomainInfo d = DomainCommands.domain(ctx, args);
        if (d.active()) {
            throw new VirshError("Operation not supported: reverting a running domain to a snapshot without its VM "
                    + "state; shut the domain off first");
        }
        return d;
    }

    /** The qcow2 disks a snapshot covers; libvirt's error for any other writable disk. */
    private static List<DomainDefinition.Disk> disks(DomainDefinition def) throws VirshError {
        List<DomainDefinition.Disk> out = new ArrayList<>();
        for (DomainDefinition.Disk disk : def.disks()) {
            if (!"disk".equals(disk.device()) || disk.readonly() || disk.source() == null) {
                continue;
            }
            String format = disk.format() == null ? "raw" : disk.format();
            if (!format.equals("qcow2")) {
                throw new VirshError("unsupported configuration: internal snapshot for disk " + disk.target()
                        + " unsupported for storage type " + format);
            }
            out.add(disk);
        }
        return out;
    }

    private interface DiskOp {
        void apply(Snapshottable s) throws IOException;
    }

    private static void onDisk(Context ctx, String path, DiskOp op) throws IOException {
        try (BlockImage img = ctx.formats().open(Path.of(path), "qcow2", OpenOptions.readWrite())) {
            if (!(img instanceof Snapshottable s)) {
                throw new IOException(path + ": this image format cannot hold internal snapshots");
            }
            op.apply(s);
            img.flush();
        }
    }

    private static void create(Args args, Context ctx) throws VirshError {
        DomainInfo d = DomainCommands.domain(ctx, args);
        boolean withState = d.active();
        if (withState && args.flag("disk-only")) {
            throw new VirshError("Operation not supported: disk-only snapshots of a running domain (external "
                    + "snapshots) are not supported; take one with the VM state, or shut the domain off");
        }
        long now = Instant.now().getEpochSecond();
        String name = args.get("name") != null ? args.get("name") : Long.toString(now);
        if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
            throw new VirshError("invalid argument: invalid snapshot name '" + name + "'");
        }
        Path file = dir(ctx, d).resolve(name + ".xml");
        if (Files.exists(file)) {
            throw new VirshError("operation failed: domain snapshot '" + name + "' already exists");
        }
        String xml;
        try {
            xml = ctx.domains().dumpXml(d.definition().uuid().toString(), true);
        } catch (DomainException e) {
            throw new VirshError(e.getMessage());
        }
        List<DomainDefinition.Disk> disks = disks(d.definition());
        List<DomainDefinition.Disk> done = new ArrayList<>();
        Path memory = file.resolveSibling(name + ".save");
        StringBuilder sb = new StringBuilder("<domainsnapshot>\n  <name>").append(XmlText.escapeText(name)).append("</name>\n");
        if (args.get("description") != null) {
            sb.append("  <description>").append(XmlText.escapeText(args.get("description"))).append("</description>\n");
        }
        String state = !withState ? "shutoff" : d.state() == vmm.core.domain.DomainState.PAUSED ? "paused" : "running";
        sb.append("  <state>").append(state).append("</state>\n  <creationTime>").append(now).append("</creationTime>\n");
        sb.append(withState ? "  <memory snapshot='internal'/>\n" : "  <memory snapshot='no'/>\n").append("  <disks>\n");
        try {
            DomainManager.StoppedWork snapshotDisks = () -> {
                try {
                    for (DomainDefinition.Disk disk : disks) {
                        onDisk(ctx, disk.source(), s -> s.createSnapshot(name));
                        done.add(disk);
                    }
                } catch (IOException e) {
                    // Undone here, while no machine has the disks open.
                    undo(ctx, done, name);
                    done.clear();
                    throw e;
                }
            };
            if (withState) {
                // The guest stops, its state goes to NAME.save, the disks are snapshotted while
                // closed, and it goes on from the state: the snapshot holds both, consistent.
                Files.createDirectories(file.getParent());
                ctx.domains().checkpoint(d.definition().uuid().toString(), memory, snapshotDisks);
            } else {
                snapshotDisks.run();
            }
            for (DomainDefinition.Disk disk : disks) {
                sb.append("    <disk name='").append(XmlText.escape(disk.target())).append("' snapshot='internal'>\n")
                        .append("      <source file='").append(XmlText.escape(disk.source())).append("'/>\n    </disk>\n");
            }
            sb.append("  </disks>\n");
            sb.append(xml.indent(2));
            sb.append("</domainsnapshot>\n");
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("." + name + ".tmp");
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | DomainException e) {
            // Undo what was done, so a failed snapshot is not half there.
            try {
                Files.deleteIfExists(memory);
            } catch (IOException undo) {
                ctx.err().println("warning: cannot remove " + memory + ": " + undo.getMessage());
            }
            if (withState && !done.isEmpty()) {
                // The domain runs on these disks again: they are not touched under it.
                ctx.err().println("warning: the disks keep internal snapshot '" + name
                        + "'; remove it (qemu-img snapshot -d) once the domain is shut off");
            } else {
                undo(ctx, done, name);
            }
            throw new VirshError("operation failed: cannot create snapshot '" + name + "': " + e.getMessage());
        }
        ctx.out().println("Domain snapshot " + name + " created");
    }

    private static void undo(Context ctx, List<DomainDefinition.Disk> done, String name) {
        for (DomainDefinition.Disk disk : done) {
            try {
                onDisk(ctx, disk.source(), s -> s.deleteSnapshot(name));
            } catch (IOException undo) {
                ctx.err().println("warning: cannot remove snapshot '" + name + "' from " + disk.source() + ": "
                        + undo.getMessage());
            }
        }
    }

    private static Stored read(Path file) throws VirshError {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Element root = f.newDocumentBuilder().parse(new InputSource(new StringReader(text))).getDocumentElement();
            List<String[]> disks = new ArrayList<>();
            NodeList list = root.getElementsByTagName("disks");
            if (list.getLength() > 0) {
                NodeList ds = ((Element) list.item(0)).getElementsByTagName("disk");
                for (int i = 0; i < ds.getLength(); i++) {
                    Element disk = (Element) ds.item(i);
                    Element src = (Element) disk.getElementsByTagName("source").item(0);
                    disks.add(new String[] {disk.getAttribute("name"), src.getAttribute("file")});
                }
            }
            int start = text.indexOf("<domain ");
            int end = text.lastIndexOf("</domain>");
            if (start < 0 || end < 0) {
                throw new IOException("no <domain> in it");
            }
            return new Stored(text(root, "name"), Long.parseLong(text(root, "creationTime")), text(root, "state"), disks,
                    text.substring(start, end + "</domain>".length()).stripIndent());
        } catch (Exception e) {
            throw new VirshError("internal error: cannot read snapshot " + file + ": " + e.getMessage());
        }
    }

    private static String text(Element root, String tag) {
        NodeList l = root.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().strip();
    }

    private static Stored lookup(Context ctx, DomainInfo d, String name) throws VirshError {
        Path file = dir(ctx, d).resolve(name + ".xml");
        if (name.contains("/") || !Files.isRegularFile(file)) {
            throw new VirshError("Domain snapshot not found: no domain snapshot with matching name '" + name + "'");
        }
        return read(file);
    }

    private static void list(Args args, Context ctx) throws VirshError {
        DomainInfo d = DomainCommands.domain(ctx, args);
        Table t = new Table("Name", "Creation Time", "State");
        Path dir = dir(ctx, d);
        if (Files.isDirectory(dir)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".xml") && !p.getFileName().toString().startsWith("."))
                        .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
            } catch (IOException e) {
                throw new VirshError("internal error: cannot list " + dir + ": " + e.getMessage());
            }
            for (Path p : files) {
                Stored s = read(p);
                t.row(s.name(), TIME.format(Instant.ofEpochSecond(s.creationTime()).atZone(ZoneId.systemDefault())),
                        s.state());
            }
        }
        ctx.out().print(t.render());
    }

    private static void revert(Args args, Context ctx) throws VirshError {
        DomainInfo d = DomainCommands.domain(ctx, args);
        Stored s = lookup(ctx, d, args.get("snapshotname"));
        Path memory = dir(ctx, d).resolve(s.name() + ".save");
        if (!s.state().equals("shutoff") && Files.isRegularFile(memory)) {
            // libvirt's revert to a snapshot with the VM state: whatever runs stops, the disks go
            // back, and the guest runs on from the state the snapshot holds.
            try {
                ctx.domains().parse(s.domainXml());
                ctx.domains().revert(d.definition().uuid().toString(), memory, () -> {
                    for (String[] disk : s.disks()) {
                        onDisk(ctx, disk[1], img -> img.applySnapshot(s.name()));
                    }
                });
                if (d.persistent()) {
                    ctx.domains().define(s.domainXml());
                }
            } catch (DomainException e) {
                throw new VirshError("Failed to revert snapshot " + s.name(), e.getMessage());
            }
            return;
        }
        shutOff(ctx, args);
        try {
            // The definition first: it is checked before any disk changes.
            ctx.domains().parse(s.domainXml());
            for (String[] disk : s.disks()) {
                onDisk(ctx, disk[1], img -> img.applySnapshot(s.name()));
            }
            ctx.domains().define(s.domainXml());
        } catch (DomainException | IOException e) {
            throw new VirshError("Failed to revert snapshot " + s.name(), e.getMessage());
        }
    }

    private static void delete(Args args, Context ctx) throws VirshError {
        DomainInfo d = DomainCommands.domain(ctx, args);
        Stored s = lookup(ctx, d, args.get("snapshotname"));
        if (d.active()) {
            throw new VirshError("Operation not supported: deleting the internal snapshots of a running domain's disks");
        }
        try {
            for (String[] disk : s.disks()) {
                onDisk(ctx, disk[1], img -> img.deleteSnapshot(s.name()));
            }
            Files.deleteIfExists(dir(ctx, d).resolve(s.name() + ".save"));
            Files.delete(dir(ctx, d).resolve(s.name() + ".xml"));
        } catch (IOException e) {
            throw new VirshError("Failed to delete snapshot " + s.name(), e.getMessage());
        }
        ctx.out().println("Domain snapshot " + s.name() + " deleted");
    }
}
