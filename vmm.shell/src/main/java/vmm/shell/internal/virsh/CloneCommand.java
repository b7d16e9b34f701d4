package vmm.shell.internal.virsh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import vmm.core.domain.DomainException;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.DomainState;
import vmm.shell.img.ImgTool;
import vmm.shell.internal.virsh.CommandSpec.Group;
import vmm.shell.internal.virsh.CommandSpec.Option;
import vmm.shell.internal.virsh.VirshCommand.Context;

/**
 * virt-clone as a command: a new domain from an existing one, with a new UUID, new MAC
 * addresses and copies of its writable disks (cdroms and read-only disks are shared, as
 * virt-clone shares them). Disks are copied through the image formats (qemu-img convert's
 * path), or with {@code --overlay} become qcow2 overlays whose backing file is the original.
 */
final class CloneCommand {
    private static final SecureRandom RANDOM = new SecureRandom();

    private CloneCommand() {
    }

    static VirshCommand command() {
        return new VirshCommand(new CommandSpec("clone", Group.DOMAIN, "clone a domain (as virt-clone)",
                "Defines a copy of a shut off or paused domain: a new name, UUID and MAC addresses, and its "
                        + "writable disks copied (raw or qcow2, through the image formats) or, with --overlay, "
                        + "qcow2 overlays backed by the original disks, which must then stay unchanged.",
                List.of(Option.string("original", "name of the original guest to clone"),
                        Option.string("name", "name for the new guest"),
                        Option.string("file", "new disk path, one per cloned disk in order (repeat --file)"),
                        Option.flag("auto-clone", "generate the new disk paths (NAME.ext next to the originals)"),
                        Option.flag("overlay", "create qcow2 overlays backed by the original disks instead of copies"))),
                CloneCommand::clone);
    }

    private static void clone(Args args, Context ctx) throws VirshError {
        String original = args.get("original");
        String name = args.get("name");
        if (original == null) {
            throw new VirshError("command 'clone' requires <original> option");
        }
        if (name == null || name.isBlank()) {
            throw new VirshError("command 'clone' requires <name> option");
        }
        DomainInfo d = ctx.domains().find(original)
                .orElseThrow(() -> new VirshError("failed to get domain '" + original + "'"));
        if (d.state() != DomainState.SHUTOFF && d.state() != DomainState.PAUSED && d.state() != DomainState.CRASHED) {
            throw new VirshError("Domain with devices to clone must be paused or shutoff.");
        }
        if (ctx.domains().find(name).isPresent()) {
            throw new VirshError("Invalid name for new guest: Guest name '" + name + "' is already in use.");
        }
        String xml;
        try {
            xml = ctx.domains().dumpXml(d.definition().uuid().toString(), true);
        } catch (DomainException e) {
            throw new VirshError(e.getMessage());
        }
        Document doc = parse(xml);
        Element root = doc.getDocumentElement();
        // Edits go into the text of libvirt's normalized XML, not through a DOM serializer,
        // so everything else (attribute order, unknown elements) stays as the original's.
        XmlText text = new XmlText(xml);
        text.replace("<name>" + XmlText.escapeText(child(root, "name").getTextContent()) + "</name>",
                "<name>" + XmlText.escapeText(name) + "</name>");
        Element uuid = child(root, "uuid");
        if (uuid != null) {
            text.replace("<uuid>" + uuid.getTextContent() + "</uuid>", "<uuid>" + UUID.randomUUID() + "</uuid>");
        }
        text.rewind();
        for (Element mac : elements(root, "devices/interface/mac")) {
            text.replace("<mac address='" + XmlText.escape(mac.getAttribute("address")) + "'/>",
                    "<mac address='" + newMac() + "'/>");
        }
        List<Copy> copies = plan(root, args, name, ctx);
        List<Path> made = new ArrayList<>();
        try {
            for (Copy c : copies) {
                ctx.out().println("Allocating '" + c.to.getFileName() + "'");
                copy(ctx, c, args.flag("overlay"));
                made.add(c.to);
                text.editDisk(c.diskIndex, "<source file='" + XmlText.escape(c.from.toString()) + "'",
                        "<source file='" + XmlText.escape(c.to.toString()) + "'");
                if (args.flag("overlay")) {
                    text.editDisk(c.diskIndex, "type='" + XmlText.escape(c.format) + "'/>", "type='qcow2'/>");
                }
            }
            ctx.domains().define(text.toString());
        } catch (VirshError | DomainException e) {
            // A clone that fails leaves nothing behind: no half-copied disks.
            for (Path p : made) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException cleanup) {
                    ctx.err().println("warning: cannot remove " + p + ": " + cleanup.getMessage());
                }
            }
            throw e instanceof VirshError v ? v : new VirshError("Failed to define the clone '" + name + "'", e.getMessage());
        }
        if (!copies.isEmpty()) {
            ctx.out().println();
        }
        ctx.out().println("Clone '" + name + "' created successfully.");
    }

    /** One disk to copy: its element, its source element, the original and the new path. */
    private record Copy(int diskIndex, Path from, String format, Path to) {
    }

    private static List<Copy> plan(Element root, Args args, String name, Context ctx) throws VirshError {
        List<String> files = args.all("file");
        List<Copy> out = new ArrayList<>();
        int index = 0;
        int diskIndex = -1;
        for (Element disk : elements(root, "devices/disk")) {
            diskIndex++;
            Element source = child(disk, "source");
            boolean shared = "cdrom".equals(disk.getAttribute("device")) || "floppy".equals(disk.getAttribute("device"))
                    || child(disk, "readonly") != null || child(disk, "shareable") != null;
            if (shared || source == null || source.getAttribute("file").isEmpty()) {
                continue;
            }
            Path from = Path.of(source.getAttribute("file"));
            Element driver = child(disk, "driver");
            String format = driver == null || driver.getAttribute("type").isEmpty() ? "raw" : driver.getAttribute("type");
            Path to;
            if (index < files.size()) {
                to = ctx.file(files.get(index));
            } else if (args.flag("auto-clone")) {
                String file = from.getFileName().toString();
                int dot = file.lastIndexOf('.');
                String ext = dot > 0 ? file.substring(dot) : "";
                to = from.resolveSibling(name + (index == 0 ? "" : "-" + index) + ext);
            } else {
                throw new VirshError("A disk path must be specified to clone '" + from + "' (--file or --auto-clone).");
            }
            if (Files.exists(to)) {
                throw new VirshError("Clone onto existing storage volume is not currently supported: '" + to + "'");
            }
            if (!Files.isRegularFile(from)) {
                throw new VirshError("Disk path '" + from + "' does not exist.");
            }
            out.add(new Copy(diskIndex, from, format, to));
            index++;
        }
        if (index < files.size()) {
            throw new VirshError("--file given " + files.size() + " times but the guest has " + index + " disk(s) to clone");
        }
        return out;
    }

    private static void copy(Context ctx, Copy c, boolean overlay) throws VirshError {
        List<String> argv = overlay
                ? List.of("create", "-q", "-f", "qcow2", "-b", c.from.toString(), "-F", c.format, c.to.toString())
                : List.of("convert", "-q", "-f", c.format, "-O", c.format, c.from.toString(), c.to.toString());
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status;
        try (PrintStream err = new PrintStream(errors, true, StandardCharsets.UTF_8)) {
            status = new ImgTool(ctx.formats(), ctx.out(), err).execute(argv);
        }
        if (status != 0) {
            throw new VirshError("Couldn't create storage volume '" + c.to + "': "
                    + errors.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /** A locally administered unicast MAC in QEMU's 52:54:00 range, as virt-clone picks. */
    private static String newMac() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(b);
    }

    private static Document parse(String xml) throws VirshError {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new VirshError("XML error: " + e.getMessage());
        }
    }

    private static Element child(Element parent, String name) {
        for (var n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName() != null ? e.getLocalName() : e.getNodeName())) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> elements(Element root, String path) {
        List<Element> level = List.of(root);
        for (String step : path.split("/")) {
            List<Element> next = new ArrayList<>();
            for (Element e : level) {
                NodeList kids = e.getChildNodes();
                for (int i = 0; i < kids.getLength(); i++) {
                    if (kids.item(i) instanceof Element k
                            && step.equals(k.getLocalName() != null ? k.getLocalName() : k.getNodeName())) {
                        next.add(k);
                    }
                }
            }
            level = next;
        }
        return level;
    }
}
