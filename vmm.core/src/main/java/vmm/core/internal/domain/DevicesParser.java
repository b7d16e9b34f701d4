package vmm.core.internal.domain;

import static vmm.core.internal.domain.XmlContext.attr;
import static vmm.core.internal.domain.XmlContext.child;
import static vmm.core.internal.domain.XmlContext.children;
import static vmm.core.internal.domain.XmlContext.choice;
import static vmm.core.internal.domain.XmlContext.invalid;
import static vmm.core.internal.domain.XmlContext.invalidAttr;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.w3c.dom.Element;

import vmm.core.domain.DomainDefinition.CharDevice;
import vmm.core.domain.DomainDefinition.Controller;
import vmm.core.domain.DomainDefinition.Disk;
import vmm.core.domain.DomainDefinition.NetInterface;
import vmm.core.domain.DomainException;

/** {@code <devices>}: disks, interfaces, serial ports, consoles, controllers; the rest kept. */
final class DevicesParser {

    private static final Pattern TARGET_DEV = Pattern.compile("(vd|hd|sd|fd|xvd)[a-z]{1,3}");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.+-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Valid in libvirt, not handled by this VMM yet: kept with a warning. */
    private static final Set<String> OTHER_DISK_TYPES = Set.of("network", "volume", "dir", "nvme", "vhostuser");
    private static final Set<String> OTHER_BUSES = Set.of("sata", "scsi", "usb", "fdc", "xen", "sd");
    private static final Set<String> OTHER_NET_TYPES = Set.of("ethernet", "direct", "hostdev", "vhostuser", "mcast",
            "server", "client", "udp", "vdpa", "null", "vds");
    private static final Set<String> CHAR_TYPES = Set.of("pty", "file", "stdio", "null", "unix", "vc", "dev", "pipe",
            "tcp", "udp", "spiceport", "spicevmc", "nmdm", "qemu-vdagent", "dbus");
    private static final Set<String> CONTROLLER_TYPES = Set.of("ide", "fdc", "scsi", "sata", "usb", "ccid",
            "virtio-serial", "xenbus", "pci", "isa");
    /** Children that libvirt itself adds to devices (placement, aliases, boot order). */
    private static final Set<String> BOOKKEEPING = Set.of("address", "alias", "boot");

    private final XmlContext ctx;
    final List<Disk> disks = new ArrayList<>();
    final List<NetInterface> interfaces = new ArrayList<>();
    final List<CharDevice> serials = new ArrayList<>();
    final List<CharDevice> consoles = new ArrayList<>();
    final List<Controller> controllers = new ArrayList<>();
    /** The {@code <memballoon model>}, or null when the XML has none. */
    String memballoon;
    private static final Set<String> BALLOON_MODELS = Set.of("virtio", "virtio-transitional",
            "virtio-non-transitional", "xen", "none");
    private final Set<String> targets = new HashSet<>();
    private final Set<String> macs = new HashSet<>();

    DevicesParser(XmlContext ctx) {
        this.ctx = ctx;
    }

    void parse(Element devices) throws DomainException {
        for (Element e : children(devices)) {
            switch (e.getTagName()) {
                case "emulator" -> {
                    // libvirt names its QEMU binary here; this VMM is its own emulator.
                }
                case "disk" -> disk(e);
                case "interface" -> netInterface(e);
                case "serial" -> serials.add(charDevice(e, "isa-serial"));
                case "console" -> consoles.add(charDevice(e, "serial"));
                case "controller" -> controller(e);
                case "memballoon" -> memballoon(e);
                default -> ctx.unsupported(e);
            }
        }
    }

    private void disk(Element e) throws DomainException {
        String type = attr(e, "type") == null ? "file" : attr(e, "type");
        if (OTHER_DISK_TYPES.contains(type)) {
            ctx.unsupported(e);
            return;
        }
        if (!type.equals("file") && !type.equals("block")) {
            throw invalidAttr(e, "type", "invalid disk type '" + type + "' (file or block)");
        }
        String device = choice(e, "device", "disk", "disk", "cdrom", "floppy", "lun");
        String format = "raw";
        Element driver = child(e, "driver");
        if (driver != null) {
            String f = attr(driver, "type");
            if (f != null && !f.equals("raw") && !f.equals("qcow2")) {
                throw invalidAttr(driver, "type", "unsupported disk format '" + f + "' (raw or qcow2)");
            }
            format = f == null ? "raw" : f;
            String name = attr(driver, "name");
            if (name != null && !name.equals("qemu")) {
                throw invalidAttr(driver, "name", "unsupported driver '" + name + "' (qemu)");
            }
        }
        String source = null;
        Element src = child(e, "source");
        if (src != null) {
            String attribute = type.equals("file") ? "file" : "dev";
            source = attr(src, attribute);
            if (source == null || source.isEmpty()) {
                throw invalidAttr(src, attribute, "missing " + attribute + " for a disk of type '" + type + "'");
            }
        }
        Element target = child(e, "target");
        String dev = target == null ? null : attr(target, "dev");
        if (dev == null) {
            throw invalid(target == null ? e : target, "missing target dev");
        }
        if (!TARGET_DEV.matcher(dev).matches()) {
            throw invalidAttr(target, "dev", "invalid target '" + dev + "' (e.g. vda, hdc, sdb)");
        }
        if (!targets.add(dev)) {
            throw invalidAttr(target, "dev", "target '" + dev + "' used by two disks");
        }
        String bus = attr(target, "bus");
        if (bus == null) {
            bus = dev.startsWith("vd") ? "virtio" : dev.startsWith("hd") ? "ide" : dev.startsWith("fd") ? "fdc" : "scsi";
        } else if (OTHER_BUSES.contains(bus)) {
            ctx.warn(target, "bus '" + bus + "' not supported yet, kept as is");
        } else if (!bus.equals("virtio") && !bus.equals("ide")) {
            throw invalidAttr(target, "bus", "invalid bus '" + bus + "' (virtio, ide, sata, scsi, usb, fdc)");
        }
        boolean readonly = child(e, "readonly") != null;
        for (Element c : children(e)) {
            if (!Set.of("driver", "source", "target", "readonly").contains(c.getTagName())
                    && !BOOKKEEPING.contains(c.getTagName())) {
                ctx.unsupported(c);
            }
        }
        disks.add(new Disk(type, device, format, source, dev, bus, readonly || device.equals("cdrom")));
    }

    private void netInterface(Element e) throws DomainException {
        String type = attr(e, "type");
        if (type == null) {
            throw invalidAttr(e, "type", "missing interface type (network, bridge or user)");
        }
        if (OTHER_NET_TYPES.contains(type)) {
            ctx.unsupported(e);
            return;
        }
        if (!type.equals("network") && !type.equals("bridge") && !type.equals("user")) {
            throw invalidAttr(e, "type", "invalid interface type '" + type + "' (network, bridge or user)");
        }
        String source = null;
        if (!type.equals("user")) {
            Element src = child(e, "source");
            source = src == null ? null : attr(src, type);
            if (source == null || source.isEmpty()) {
                throw invalid(src == null ? e : src, "an interface of type '" + type + "' needs <source " + type + "='...'/>");
            }
        }
        Element macElement = child(e, "mac");
        String mac;
        if (macElement == null) {
            mac = generateMac();
            macElement = e.getOwnerDocument().createElement("mac");
            macElement.setAttribute("address", mac);
            e.insertBefore(macElement, e.getFirstChild());
        } else {
            mac = attr(macElement, "address");
            if (mac == null || !MAC.matcher(mac).matches()) {
                throw invalidAttr(macElement, "address", "malformed MAC address '" + mac + "'");
            }
            mac = mac.toLowerCase(Locale.ROOT);
            if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
                throw invalidAttr(macElement, "address", "expected a unicast MAC address, found multicast '" + mac + "'");
            }
            macElement.setAttribute("address", mac);
        }
        if (!macs.add(mac)) {
            throw invalidAttr(macElement, "address", "MAC address '" + mac + "' used by two interfaces");
        }
        Element modelElement = child(e, "model");
        String model = modelElement == null ? null : attr(modelElement, "type");
        if (modelElement != null && (model == null || !TOKEN.matcher(model).matches())) {
            throw invalidAttr(modelElement, "type", "invalid model '" + model + "'");
        }
        Element targetElement = child(e, "target");
        String target = targetElement == null ? null : attr(targetElement, "dev");
        Map<String, String> backend = new LinkedHashMap<>();
        Element backendElement = child(e, "backend");
        if (backendElement != null && backendElement.hasAttribute("type")) {
            // vmm's own: a network backend by name with its settings (libvirt's <backend> has
            // tap= and vhost= only, and those stay unsupported).
            String name = attr(backendElement, "type");
            if (name == null || !TOKEN.matcher(name).matches()) {
                throw invalidAttr(backendElement, "type", "invalid backend type '" + name + "'");
            }
            var attrs = backendElement.getAttributes();
            for (int i = 0; i < attrs.getLength(); i++) {
                backend.put(attrs.item(i).getNodeName(), attrs.item(i).getNodeValue());
            }
        }
        for (Element c : children(e)) {
            boolean ours = Set.of("source", "mac", "model", "target").contains(c.getTagName())
                    || c == backendElement && !backend.isEmpty();
            if (!ours && !BOOKKEEPING.contains(c.getTagName())) {
                ctx.unsupported(c);
            }
        }
        interfaces.add(new NetInterface(type, source, mac, model, target, backend));
    }

    /** libvirt's scheme: the QEMU OUI 52:54:00 and three random bytes. */
    private static String generateMac() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(b);
    }

    private CharDevice charDevice(Element e, String defaultTarget) throws DomainException {
        String type = attr(e, "type") == null ? "pty" : attr(e, "type");
        if (!CHAR_TYPES.contains(type)) {
            throw invalidAttr(e, "type", "invalid character device type '" + type + "'");
        }
        if (!Set.of("pty", "file", "stdio", "null", "unix").contains(type)) {
            ctx.warn(e, "type '" + type + "' not supported yet, kept as is");
        }
        Element src = child(e, "source");
        String path = src == null ? null : attr(src, "path");
        if ((type.equals("file") || type.equals("unix")) && path == null) {
            throw invalid(src == null ? e : src, "a '" + type + "' device needs <source path='...'/>");
        }
        Element target = child(e, "target");
        int port = target == null ? 0 : (int) XmlContext.integerAttr(target, "port", 0);
        String targetType = target == null || attr(target, "type") == null ? defaultTarget : attr(target, "type");
        return new CharDevice(type, path, port, targetType);
    }

    /** libvirt's models are all accepted here; the machine says which it can attach. */
    private void memballoon(Element e) throws DomainException {
        if (memballoon != null) {
            throw invalid(e, "only a single memory balloon device is supported");
        }
        String model = attr(e, "model");
        if (model == null) {
            throw invalidAttr(e, "model", "missing required attribute 'model' (virtio or none)");
        }
        if (!BALLOON_MODELS.contains(model)) {
            throw invalidAttr(e, "model", "invalid memballoon model '" + model + "' (virtio, virtio-transitional, "
                    + "virtio-non-transitional, xen or none)");
        }
        for (Element c : children(e)) {
            if (!BOOKKEEPING.contains(c.getTagName())) {
                ctx.unsupported(c);
            }
        }
        memballoon = model;
    }

    private void controller(Element e) throws DomainException {
        String type = attr(e, "type");
        if (type == null || !CONTROLLER_TYPES.contains(type)) {
            throw invalidAttr(e, "type", "invalid controller type '" + type + "'");
        }
        long index = XmlContext.integerAttr(e, "index", 0);
        if (index > 255) {
            throw invalidAttr(e, "index", "controller index " + index + " is above 255");
        }
        controllers.add(new Controller(type, (int) index, attr(e, "model")));
    }
}
