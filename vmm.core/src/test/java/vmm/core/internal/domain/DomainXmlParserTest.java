package vmm.core.internal.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainDefinition.LifecycleAction;
import vmm.core.domain.DomainException;

class DomainXmlParserTest {

    static String resource(String name) throws IOException {
        try (InputStream in = DomainXmlParserTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The definition's parsed parts (the XML is compared on its own). */
    static DomainDefinition withoutXml(DomainDefinition d) {
        return new DomainDefinition(d.type(), d.name(), d.uuid(), d.title(), d.memoryKiB(), d.currentMemoryKiB(), d.vcpus(),
                d.os(), d.features(), d.cpuMode(), d.memoryBacking(), d.numaTune(), d.disks(), d.interfaces(), d.serials(),
                d.consoles(), d.controllers(), d.onPoweroff(), d.onReboot(), d.onCrash(), "", d.warnings(),
                d.memballoon());
    }

    private static String minimal(String body) {
        return "<domain type='kvm'><name>t</name><memory unit='MiB'>64</memory>" + body + "</domain>";
    }

    private static String error(String xml) {
        DomainException e = assertThrows(DomainException.class, () -> DomainXmlParser.parse(xml));
        assertEquals(DomainException.Kind.INVALID_XML, e.kind(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void libvirtKvmExampleParses() throws Exception {
        DomainDefinition d = DomainXmlParser.parse(resource("kvm-demo2.xml"));
        assertEquals("kvm", d.type());
        assertEquals("kvm", d.accelerator());
        assertEquals("demo2", d.name());
        assertEquals(UUID.fromString("4dea24b3-1d52-d8f3-2516-782e98a23fa0"), d.uuid());
        assertEquals(131072, d.memoryKiB());
        assertEquals(131072, d.currentMemoryKiB());
        assertEquals(1, d.vcpus());
        assertEquals("i686", d.os().arch());
        assertEquals(List.of(new DomainDefinition.Disk("file", "disk", "raw", "/var/lib/libvirt/images/demo2.img", "hda",
                "ide", false)), d.disks());
        assertEquals(List.of(new DomainDefinition.NetInterface("network", "default", "24:42:53:21:52:45", null, null)),
                d.interfaces());
        assertEquals(List.of("/domain/clock: not supported yet, kept as is",
                "/domain/devices/graphics: not supported yet, kept as is"), d.warnings(), "in document order");
        assertTrue(d.xml().contains("<graphics type='vnc' port='-1' keymap='de'/>"), d.xml());
        assertTrue(d.xml().contains("<clock sync='localtime'/>"), d.xml());
    }

    @Test
    void libvirtQemuExampleParses() throws Exception {
        DomainDefinition d = DomainXmlParser.parse(resource("qemu-fedora.xml"));
        assertEquals("qemu", d.type());
        assertEquals("emu", d.accelerator());
        assertEquals(2, d.vcpus());
        assertEquals(List.of("cdrom"), d.os().boot());
        assertEquals("pc", d.os().machine());
        assertEquals(2, d.disks().size());
        assertTrue(d.disks().get(0).readonly());
        assertEquals("cdrom", d.disks().get(0).device());
        // No MAC in the XML: one is generated, in QEMU's range, and written into the XML.
        String mac = d.interfaces().get(0).mac();
        assertTrue(mac.matches("52:54:00(:[0-9a-f]{2}){3}"), mac);
        assertTrue(d.xml().contains("<mac address='" + mac + "'/>"), d.xml());
    }

    @Test
    void fullGuestParsesEveryPart() throws Exception {
        DomainDefinition d = DomainXmlParser.parse(resource("kvm-full.xml"));
        assertEquals("Front-end web server", d.title());
        assertEquals(2L << 20, d.memoryKiB());
        assertEquals(1536L << 10, d.currentMemoryKiB());
        assertEquals(4, d.vcpus());
        assertEquals(new DomainDefinition.MemoryBacking(true, true), d.memoryBacking());
        assertEquals(new DomainDefinition.NumaTune("strict", "0-1,^1"), d.numaTune());
        assertEquals("/var/lib/libvirt/boot/vmlinuz", d.os().kernel());
        assertEquals("/var/lib/libvirt/boot/initrd.img", d.os().initrd());
        assertEquals("console=ttyS0 root=/dev/vda1 ro", d.os().cmdline());
        assertEquals(List.of("acpi", "apic", "vmport"), d.features());
        assertEquals("host-passthrough", d.cpuMode());
        assertEquals(LifecycleAction.PRESERVE, d.onCrash());
        assertEquals(3, d.disks().size());
        assertEquals(new DomainDefinition.Disk("block", "disk", "raw", "/dev/vg0/web01-data", "vdb", "virtio", false),
                d.disks().get(1));
        assertNull(d.disks().get(2).source());
        assertEquals(3, d.interfaces().size());
        assertEquals(new DomainDefinition.NetInterface("bridge", "br0", "52:54:00:6b:3c:58", "virtio", null),
                d.interfaces().get(0));
        assertEquals("vnet7", d.interfaces().get(1).target());
        assertEquals(new DomainDefinition.NetInterface("user", null, "52:54:00:aa:bb:cc", null, null), d.interfaces().get(2));
        assertEquals(List.of(new DomainDefinition.CharDevice("pty", null, 0, "isa-serial")), d.serials());
        assertEquals(List.of(new DomainDefinition.CharDevice("pty", null, 0, "serial")), d.consoles());
        assertEquals(3, d.controllers().size());
        assertEquals(new DomainDefinition.Controller("usb", 0, "qemu-xhci"), d.controllers().get(0));
        for (String kept : List.of("/domain/memoryBacking/locked", "/domain/features/vmport", "/domain/pm",
                "/domain/devices/channel", "/domain/qemu:commandline")) {
            assertTrue(d.warnings().contains(kept + ": not supported yet, kept as is"), kept + " in " + d.warnings());
        }
        assertFalse(d.warnings().stream().anyMatch(w -> w.startsWith("/domain/metadata") || w.startsWith("/domain/description")),
                d.warnings().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"kvm-demo2.xml", "qemu-fedora.xml", "kvm-full.xml"})
    void writtenXmlReadsBackToTheSameDefinition(String name) throws Exception {
        DomainDefinition first = DomainXmlParser.parse(resource(name));
        DomainDefinition second = DomainXmlParser.parse(first.xml());
        assertEquals(first.xml(), second.xml());
        assertEquals(withoutXml(first), withoutXml(second));
        for (String kept : List.of("<qemu:arg value='-newarg'/>", "<timer name='rtc' tickpolicy='catchup'/>",
                "<app1:foo xmlns:app1='http://app1.org/app1/'>fooish</app1:foo>",
                "<backend model='random'>/dev/urandom</backend>", "<disk type='block' device='disk'>",
                "<driver name='qemu' type='raw' cache='none' io='native'/>")) {
            if (name.equals("kvm-full.xml")) {
                assertTrue(second.xml().contains(kept), kept + " lost:\n" + second.xml());
            }
        }
    }

    @Test
    void definitionIsNormalizedAsLibvirtWritesIt() throws Exception {
        DomainDefinition d = DomainXmlParser.parse(minimal(""));
        String expected = """
                <domain type='kvm'>
                  <name>t</name>
                  <uuid>%s</uuid>
                  <memory unit='KiB'>65536</memory>
                  <currentMemory unit='KiB'>65536</currentMemory>
                  <vcpu placement='static'>1</vcpu>
                  <os>
                    <type arch='x86_64'>hvm</type>
                  </os>
                  <on_poweroff>destroy</on_poweroff>
                  <on_reboot>restart</on_reboot>
                  <on_crash>destroy</on_crash>
                  <devices>
                    <memballoon model='virtio'/>
                  </devices>
                </domain>
                """.formatted(d.uuid());
        assertEquals(expected, d.xml());
        assertEquals("virtio", d.memballoon());
        assertEquals(1, d.vcpus());
        assertEquals(List.of(), d.warnings());
    }

    @ParameterizedTest
    @CsvSource({"b,1048576,1024", "bytes,2049,3", "KB,1000,977", "k,5,5", "KiB,5,5", "MB,1,977", "M,1,1024",
        "MiB,3,3072", "GB,1,976563", "G,1,1048576", "GiB,2,2097152", "TiB,1,1073741824"})
    void memoryUnits(String unit, long value, long kib) throws Exception {
        DomainDefinition d = DomainXmlParser.parse(
                "<domain type='qemu'><name>t</name><memory unit='" + unit + "'>" + value + "</memory></domain>");
        assertEquals(kib, d.memoryKiB());
    }

    @Test
    void invalidValuesNameTheirElement() {
        assertEquals("/domain/memory: invalid unit 'XB'",
                error("<domain type='kvm'><name>t</name><memory unit='XB'>1</memory></domain>"));
        assertEquals("/domain/memory: invalid size '12x' (expected a number)",
                error("<domain type='kvm'><name>t</name><memory>12x</memory></domain>"));
        assertEquals("/domain/memory: size 9000000 EiB is too large",
                error("<domain type='kvm'><name>t</name><memory unit='EiB'>9000000</memory></domain>"));
        assertEquals("/domain: missing <memory>", error("<domain type='kvm'><name>t</name></domain>"));
        assertEquals("/domain: missing domain name", error("<domain type='kvm'><memory>1</memory></domain>"));
        assertEquals("/domain/@type: unsupported domain type 'xen' (kvm or qemu)",
                error("<domain type='xen'><name>t</name><memory>1</memory></domain>"));
        assertEquals("/domain/uuid: malformed UUID 'not-a-uuid'", error(minimal("<uuid>not-a-uuid</uuid>")));
        assertEquals("/domain/vcpu: 0 vCPUs: expected 1 to 255", error(minimal("<vcpu>0</vcpu>")));
        assertEquals("/domain/vcpu/@current: 3 vCPUs: expected 1 to the maximum 2",
                error(minimal("<vcpu current='3'>2</vcpu>")));
        assertEquals("/domain/name: name 'a/b' cannot contain '/'",
                error("<domain type='kvm'><name>a/b</name><memory>1</memory></domain>"));
        assertEquals("/domain/os/type: unsupported OS type 'linux' (hvm)", error(minimal("<os><type>linux</type></os>")));
        assertEquals("/domain/os/boot[2]/@dev: invalid value 'usb' (expected hd, cdrom, network, fd)",
                error(minimal("<os><boot dev='hd'/><boot dev='usb'/></os>")));
        assertEquals("/domain/on_crash: invalid action 'explode'", error(minimal("<on_crash>explode</on_crash>")));
        assertEquals("/domain/on_reboot: invalid action 'coredump-restart'",
                error(minimal("<on_reboot>coredump-restart</on_reboot>")));
        assertEquals("/domain/cpu/@mode: invalid value 'fast' (expected host-passthrough, host-model, custom, maximum)",
                error(minimal("<cpu mode='fast'/>")));
        assertEquals("/domain/numatune/memory/@nodeset: invalid nodeset '0-' (e.g. 0-1,^1,3)",
                error(minimal("<numatune><memory nodeset='0-'/></numatune>")));
        assertEquals("/domain/memory[2]: <memory> given more than once", error(minimal("<memory>5</memory>")));
    }

    @Test
    void invalidDevicesNameTheirElement() {
        String disk = "<disk type='file'><source file='/a'/><target dev='vda'/></disk>";
        assertEquals("/domain/devices/disk[2]/driver/@type: unsupported disk format 'vmdk' (raw or qcow2)",
                error(minimal("<devices>" + disk + "<disk><driver type='vmdk'/><target dev='vdb'/></disk></devices>")));
        assertEquals("/domain/devices/disk[2]/target/@dev: target 'vda' used by two disks",
                error(minimal("<devices>" + disk + disk + "</devices>")));
        assertEquals("/domain/devices/disk: missing target dev", error(minimal("<devices><disk/></devices>")));
        assertEquals("/domain/devices/disk/target/@bus: invalid bus 'pcie' (virtio, ide, sata, scsi, usb, fdc)",
                error(minimal("<devices><disk><target dev='vda' bus='pcie'/></disk></devices>")));
        assertEquals("/domain/devices/disk/@type: invalid disk type 'floppy-ish' (file or block)",
                error(minimal("<devices><disk type='floppy-ish'/></devices>")));
        assertEquals("/domain/devices/interface/mac/@address: expected a unicast MAC address, found multicast '01:00:5e:00:00:01'",
                error(minimal("<devices><interface type='user'><mac address='01:00:5e:00:00:01'/></interface></devices>")));
        assertEquals("/domain/devices/interface/mac/@address: malformed MAC address '52:54:00:zz:00:01'",
                error(minimal("<devices><interface type='user'><mac address='52:54:00:zz:00:01'/></interface></devices>")));
        assertEquals("/domain/devices/interface: an interface of type 'bridge' needs <source bridge='...'/>",
                error(minimal("<devices><interface type='bridge'/></devices>")));
        assertEquals("/domain/devices/interface/@type: invalid interface type 'carrier-pigeon' (network, bridge or user)",
                error(minimal("<devices><interface type='carrier-pigeon'/></devices>")));
        assertEquals("/domain/devices/controller/@type: invalid controller type 'warp'",
                error(minimal("<devices><controller type='warp'/></devices>")));
    }

    @Test
    void malformedXmlSaysWhere() {
        String msg = error("<domain type='kvm'><name>oops</domain>");
        assertTrue(msg.startsWith("XML error: malformed XML at line 1, column "), msg);
        assertEquals("/vm: expected the root element <domain>", error("<vm/>"));
    }

    @Test
    void hostileXmlIsRefused() {
        String xxe = "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                + "<domain type='kvm'><name>&x;</name><memory>1</memory></domain>";
        assertTrue(error(xxe).contains("DOCTYPE"), error(xxe));
        String laughs = "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;'>]>"
                + "<domain type='kvm'><name>&b;</name><memory>1</memory></domain>";
        assertTrue(error(laughs).contains("DOCTYPE"), error(laughs));
        String huge = "<domain>" + "x".repeat(SecureXml.MAX_CHARS) + "</domain>";
        assertTrue(error(huge).contains("more than"), "size limit");
    }

    @Test
    void memballoonIsLibvirtsVirtioUnlessSaidOtherwise() throws Exception {
        DomainDefinition none = DomainXmlParser.parse(minimal("<devices><memballoon model='none'/></devices>"));
        assertEquals("none", none.memballoon());
        assertFalse(none.hasBalloon());
        assertTrue(none.xml().contains("<memballoon model='none'/>"), none.xml());
        assertFalse(none.xml().contains("virtio"), none.xml());
        DomainDefinition given = DomainXmlParser.parse(
                minimal("<currentMemory unit='MiB'>48</currentMemory><devices><memballoon model='virtio'>"
                        + "<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></memballoon></devices>"));
        assertEquals("virtio", given.memballoon());
        assertEquals(49152, given.currentMemoryKiB());
        assertEquals(List.of(), given.warnings());
        assertEquals(1, given.xml().split("<memballoon", -1).length - 1, given.xml());
        assertEquals(given.xml(), DomainXmlParser.parse(given.xml()).xml());
        assertEquals("xen", DomainXmlParser.parse(minimal("<devices><memballoon model='xen'/></devices>")).memballoon());
        assertEquals("/domain/devices/memballoon/@model: invalid memballoon model 'ballon' (virtio, virtio-transitional, "
                + "virtio-non-transitional, xen or none)",
                error(minimal("<devices><memballoon model='ballon'/></devices>")));
        assertEquals("/domain/devices/memballoon/@model: missing required attribute 'model' (virtio or none)",
                error(minimal("<devices><memballoon/></devices>")));
        assertEquals("/domain/devices/memballoon[2]: only a single memory balloon device is supported",
                error(minimal("<devices><memballoon model='virtio'/><memballoon model='none'/></devices>")));
    }

    @Test
    void runningIdIsNotPartOfADefinition() throws Exception {
        DomainDefinition d = DomainXmlParser.parse("<domain type='kvm' id='7'><name>t</name><memory>1024</memory></domain>");
        assertTrue(d.xml().startsWith("<domain type='kvm'>\n"), d.xml());
    }

    @Test
    void uuidAcceptsLibvirtsSpellings() {
        UUID u = UUID.fromString("4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
        assertEquals(u, DomainXmlParser.parseUuid("4dea22b31d52d8f32516782e98ab3fa0"));
        assertEquals(u, DomainXmlParser.parseUuid("4DEA22B3-1D52-D8F3-2516-782E98AB3FA0"));
        assertNull(DomainXmlParser.parseUuid("4dea22b3"));
        assertNull(DomainXmlParser.parseUuid("demo"));
    }
}
