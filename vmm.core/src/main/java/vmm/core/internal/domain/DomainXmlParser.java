package vmm.core.internal.domain;

import static vmm.core.internal.domain.XmlContext.attr;
import static vmm.core.internal.domain.XmlContext.child;
import static vmm.core.internal.domain.XmlContext.children;
import static vmm.core.internal.domain.XmlContext.choice;
import static vmm.core.internal.domain.XmlContext.invalid;
import static vmm.core.internal.domain.XmlContext.invalidAttr;
import static vmm.core.internal.domain.XmlContext.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainDefinition.LifecycleAction;
import vmm.core.domain.DomainDefinition.MemoryBacking;
import vmm.core.domain.DomainDefinition.NumaTune;
import vmm.core.domain.DomainDefinition.Os;
import vmm.core.domain.DomainException;

/**
 * Reads libvirt's domain XML into a {@link DomainDefinition}: validates what a KVM guest uses,
 * keeps everything else (with a warning), and normalizes the document as libvirt does when it
 * writes it back (UUID and MAC addresses generated, memory in KiB, default actions spelled out).
 */
public final class DomainXmlParser {

    /** The most vCPUs a domain may have. */
    static final int MAX_VCPUS = 255;

    /** Top-level elements that are stored and need nothing from the machine. */
    private static final Set<String> PASSIVE = Set.of("description", "metadata");

    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F-]{32,40}");
    private static final Pattern NODESET = Pattern.compile("\\^?\\d+(-\\d+)?(,\\^?\\d+(-\\d+)?)*");

    private DomainXmlParser() {
    }

    public static DomainDefinition parse(String xml) throws DomainException {
        Document doc = SecureXml.parse(xml);
        Element root = doc.getDocumentElement();
        if (!"domain".equals(root.getTagName())) {
            throw new DomainException(DomainException.Kind.INVALID_XML,
                    "/" + root.getTagName() + ": expected the root element <domain>");
        }
        XmlContext ctx = new XmlContext();
        String type = attr(root, "type");
        if (type == null) {
            throw invalidAttr(root, "type", "missing domain type (kvm or qemu)");
        }
        if (!type.equals("kvm") && !type.equals("qemu")) {
            throw invalidAttr(root, "type", "unsupported domain type '" + type + "' (kvm or qemu)");
        }
        // A running domain's dumpxml carries its id; a definition does not keep it.
        root.removeAttribute("id");

        String name = name(root);
        UUID uuid = uuid(doc, root);
        Element title = child(root, "title");

        Element memory = child(root, "memory");
        if (memory == null) {
            throw invalid(root, "missing <memory>");
        }
        long memoryKiB = MemoryUnits.kib(memory);
        if (memoryKiB == 0) {
            throw invalid(memory, "memory size must be greater than zero");
        }
        setKiB(memory, memoryKiB);
        Element current = child(root, "currentMemory");
        long currentKiB = memoryKiB;
        if (current == null) {
            current = doc.createElement("currentMemory");
            root.insertBefore(current, memory.getNextSibling());
        } else {
            currentKiB = MemoryUnits.kib(current);
            if (currentKiB > memoryKiB || currentKiB == 0) {
                // libvirt's rule: the balloon never starts above the maximum.
                ctx.warn(current, currentKiB + " KiB is outside 1.." + memoryKiB + " KiB, set to the maximum");
                currentKiB = memoryKiB;
            }
        }
        setKiB(current, currentKiB);

        int vcpus = vcpus(doc, root, current);
        Os os = os(doc, root, ctx);
        List<String> features = features(root, ctx);
        String cpuMode = cpu(root, ctx);
        MemoryBacking backing = memoryBacking(root, ctx);
        NumaTune numa = numatune(root, ctx);
        LifecycleAction onPoweroff = lifecycle(doc, root, "on_poweroff", LifecycleAction.DESTROY, false);
        LifecycleAction onReboot = lifecycle(doc, root, "on_reboot", LifecycleAction.RESTART, false);
        LifecycleAction onCrash = lifecycle(doc, root, "on_crash", LifecycleAction.DESTROY, true);
        Element devicesElement = child(root, "devices");
        DevicesParser devices = new DevicesParser(ctx);
        if (devicesElement != null) {
            devices.parse(devicesElement);
        }
        if (devices.memballoon == null) {
            // libvirt gives every KVM/QEMU x86 guest a virtio balloon unless told model='none'.
            if (devicesElement == null) {
                devicesElement = doc.createElement("devices");
                root.appendChild(devicesElement);
            }
            Element balloon = doc.createElement("memballoon");
            balloon.setAttribute("model", "virtio");
            devicesElement.appendChild(balloon);
            devices.memballoon = "virtio";
        }

        Set<String> handled = Set.of("name", "uuid", "title", "memory", "currentMemory", "vcpu", "os", "features",
                "cpu", "memoryBacking", "numatune", "devices", "on_poweroff", "on_reboot", "on_crash");
        for (Element e : children(root)) {
            if (!handled.contains(e.getTagName()) && !PASSIVE.contains(e.getTagName())) {
                ctx.unsupported(e);
            }
        }
        return new DomainDefinition(type, name, uuid, text(title), memoryKiB, currentKiB, vcpus, os, features,
                cpuMode, backing, numa, devices.disks, devices.interfaces, devices.serials, devices.consoles,
                devices.controllers, onPoweroff, onReboot, onCrash, XmlWriter.write(root), ctx.warnings(),
                devices.memballoon);
    }

    private static String name(Element root) throws DomainException {
        Element e = child(root, "name");
        if (e == null || text(e).isEmpty()) {
            throw invalid(e == null ? root : e, "missing domain name");
        }
        String name = text(e);
        if (name.contains("/")) {
            throw invalid(e, "name '" + name + "' cannot contain '/'");
        }
        if (name.startsWith(".") || name.length() > 200 || name.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw invalid(e, "name '" + name + "' must not start with '.', hold control characters or exceed 200 characters");
        }
        e.setTextContent(name);
        return name;
    }

    private static UUID uuid(Document doc, Element root) throws DomainException {
        Element e = child(root, "uuid");
        UUID uuid;
        if (e == null) {
            uuid = UUID.randomUUID();
            e = doc.createElement("uuid");
            root.insertBefore(e, child(root, "name").getNextSibling());
        } else {
            uuid = parseUuid(text(e));
            if (uuid == null) {
                throw invalid(e, "malformed UUID '" + text(e) + "'");
            }
        }
        e.setTextContent(uuid.toString());
        return uuid;
    }

    /** libvirt's UUID syntax: 32 hex digits, dashes anywhere; null when malformed. */
    public static UUID parseUuid(String text) {
        if (text == null || !UUID_TEXT.matcher(text).matches()) {
            return null;
        }
        String hex = text.replace("-", "");
        if (hex.length() != 32) {
            return null;
        }
        return new UUID(Long.parseUnsignedLong(hex.substring(0, 16), 16), Long.parseUnsignedLong(hex.substring(16), 16));
    }

    private static void setKiB(Element e, long kib) {
        e.setAttribute("unit", "KiB");
        e.setTextContent(Long.toString(kib));
    }

    private static int vcpus(Document doc, Element root, Element after) throws DomainException {
        Element e = child(root, "vcpu");
        if (e == null) {
            e = doc.createElement("vcpu");
            e.setAttribute("placement", "static");
            e.setTextContent("1");
            root.insertBefore(e, after.getNextSibling());
            return 1;
        }
        long n = XmlContext.integer(e, "vcpu count", text(e));
        if (n < 1 || n > MAX_VCPUS) {
            throw invalid(e, n + " vCPUs: expected 1 to " + MAX_VCPUS);
        }
        long current = XmlContext.integerAttr(e, "current", n);
        if (current < 1 || current > n) {
            throw invalidAttr(e, "current", current + " vCPUs: expected 1 to the maximum " + n);
        }
        choice(e, "placement", "static", "static", "auto");
        e.setTextContent(Long.toString(n));
        return (int) n;
    }

    private static Os os(Document doc, Element root, XmlContext ctx) throws DomainException {
        Element os = child(root, "os");
        if (os == null) {
            os = doc.createElement("os");
            Node anchor = child(root, "vcpu").getNextSibling();
            root.insertBefore(os, anchor);
        }
        Element type = child(os, "type");
        if (type == null) {
            type = doc.createElement("type");
            type.setTextContent("hvm");
            os.insertBefore(type, os.getFirstChild());
        }
        if (!"hvm".equals(text(type))) {
            throw invalid(type, "unsupported OS type '" + text(type) + "' (hvm)");
        }
        String arch = choice(type, "arch", "x86_64", "x86_64", "i686");
        type.setAttribute("arch", arch);
        String machine = attr(type, "machine");
        List<String> boot = new ArrayList<>();
        for (Element b : children(os, "boot")) {
            String dev = choice(b, "dev", null, "hd", "cdrom", "network", "fd");
            if (dev == null) {
                throw invalidAttr(b, "dev", "missing boot device");
            }
            boot.add(dev);
        }
        String kernel = text(child(os, "kernel"));
        String initrd = text(child(os, "initrd"));
        String cmdline = text(child(os, "cmdline"));
        if (initrd != null && kernel == null) {
            throw invalid(child(os, "initrd"), "an initrd needs a <kernel>");
        }
        for (Element e : children(os)) {
            if (!Set.of("type", "boot", "kernel", "initrd", "cmdline").contains(e.getTagName())) {
                ctx.unsupported(e);
            }
        }
        return new Os("hvm", arch, machine, kernel, initrd, cmdline, boot);
    }

    private static List<String> features(Element root, XmlContext ctx) throws DomainException {
        Element f = child(root, "features");
        List<String> names = new ArrayList<>();
        if (f == null) {
            return names;
        }
        for (Element e : children(f)) {
            names.add(e.getTagName());
            if (!Set.of("acpi", "apic", "pae").contains(e.getTagName())) {
                ctx.unsupported(e);
            }
        }
        return names;
    }

    private static String cpu(Element root, XmlContext ctx) throws DomainException {
        Element cpu = child(root, "cpu");
        if (cpu == null) {
            return null;
        }
        String mode = choice(cpu, "mode", "custom", "host-passthrough", "host-model", "custom", "maximum");
        for (Element e : children(cpu)) {
            ctx.unsupported(e);
        }
        return mode;
    }

    private static MemoryBacking memoryBacking(Element root, XmlContext ctx) throws DomainException {
        Element mb = child(root, "memoryBacking");
        if (mb == null) {
            return MemoryBacking.NONE;
        }
        boolean huge = false;
        boolean noshare = false;
        for (Element e : children(mb)) {
            switch (e.getTagName()) {
                case "hugepages" -> huge = true;
                case "nosharepages" -> noshare = true;
                default -> ctx.unsupported(e);
            }
        }
        return new MemoryBacking(huge, noshare);
    }

    private static NumaTune numatune(Element root, XmlContext ctx) throws DomainException {
        Element nt = child(root, "numatune");
        if (nt == null) {
            return null;
        }
        NumaTune result = null;
        for (Element e : children(nt)) {
            if (!e.getTagName().equals("memory")) {
                ctx.unsupported(e);
                continue;
            }
            String mode = choice(e, "mode", "strict", "strict", "preferred", "interleave", "restrictive");
            String placement = choice(e, "placement", "static", "static", "auto");
            String nodeset = attr(e, "nodeset");
            if (nodeset == null && placement.equals("static")) {
                throw invalidAttr(e, "nodeset", "missing nodeset");
            }
            if (nodeset != null && !NODESET.matcher(nodeset).matches()) {
                throw invalidAttr(e, "nodeset", "invalid nodeset '" + nodeset + "' (e.g. 0-1,^1,3)");
            }
            result = new NumaTune(mode, nodeset);
        }
        return result;
    }

    private static LifecycleAction lifecycle(Document doc, Element root, String tag, LifecycleAction fallback,
            boolean crash) throws DomainException {
        Element e = child(root, tag);
        if (e == null) {
            e = doc.createElement(tag);
            e.setTextContent(fallback.xmlName());
            Element devices = child(root, "devices");
            root.insertBefore(e, devices);
            return fallback;
        }
        LifecycleAction a = LifecycleAction.fromXml(text(e));
        boolean coredump = a == LifecycleAction.COREDUMP_DESTROY || a == LifecycleAction.COREDUMP_RESTART;
        if (a == null || coredump && !crash) {
            throw invalid(e, "invalid action '" + text(e) + "'");
        }
        return a;
    }
}
