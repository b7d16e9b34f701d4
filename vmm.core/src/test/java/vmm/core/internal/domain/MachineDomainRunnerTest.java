package vmm.core.internal.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import vmm.core.domain.DomainException;
import vmm.core.machine.Console;
import vmm.core.machine.DeviceSpec;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.RebootPolicy;

/** Domain XML to machine configuration: what the machine is asked to build. */
class MachineDomainRunnerTest {
    /** Every network backend present. */
    private static final java.util.function.Predicate<String> ALL = name -> true;

    @Test
    void directKernelBootMapsOntoTheMachine() throws Exception {
        // kvm-full.xml's e1000 NIC is the one thing the machine cannot build: without it, the rest.
        var def = DomainXmlParser.parse(DomainXmlParserTest.resource("kvm-full.xml").replace("<model type='e1000'/>", ""));
        MachineConfig c = MachineDomainRunner.config(def, Console.none(), ALL);
        assertEquals(2L << 30, c.memoryBytes());
        assertEquals(4, c.cpus());
        assertEquals(Path.of("/var/lib/libvirt/boot/vmlinuz"), c.kernel());
        assertEquals("/var/lib/libvirt/boot/initrd.img", c.initrd());
        assertEquals("console=ttyS0 root=/dev/vda1 ro", c.commandLine());
        assertEquals("kvm", c.accelerator());
        assertEquals(RebootPolicy.RESET, c.reboot());
        // the virtio disks become virtio-blk functions; the IDE CD-ROM is left out
        assertEquals(List.of(
                new DeviceSpec("virtio-blk", Map.of("file", "/var/lib/libvirt/images/web01.qcow2", "format", "qcow2")),
                new DeviceSpec("virtio-blk", Map.of("file", "/dev/vg0/web01-data", "format", "raw")),
                new DeviceSpec("virtio-net", Map.of("mac", "52:54:00:6b:3c:58", "source", "br0", "backend", "bridge")),
                c.devices().get(3),
                new DeviceSpec("virtio-net", Map.of("mac", "52:54:00:aa:bb:cc", "backend", "user"))), c.devices());
        assertEquals("network", c.devices().get(3).settings().get("backend"));
        assertEquals("default", c.devices().get(3).settings().get("source"));
    }

    @Test
    void interfacesTheMachineCannotAttachAreErrorsNamingThem() throws Exception {
        var def = DomainXmlParser.parse(DomainXmlParserTest.resource("kvm-full.xml"));
        DomainException model = assertThrows(DomainException.class, () -> MachineDomainRunner.config(def, Console.none(), ALL));
        assertEquals("unsupported configuration: /domain/devices/interface[2]/model: model type 'e1000' is not supported;"
                + " the machine's NICs are virtio-net (<model type='virtio'/>)", model.getMessage());
        var user = DomainXmlParser.parse("<domain type='qemu'><name>t</name><memory unit='MiB'>64</memory>"
                + "<os><kernel>/k</kernel></os><devices><interface type='user'><mac address='52:54:00:00:00:01'/>"
                + "</interface></devices></domain>");
        DomainException none = assertThrows(DomainException.class,
                () -> MachineDomainRunner.config(user, Console.none(), name -> !name.equals("user")));
        assertEquals(DomainException.Kind.UNSUPPORTED, none.kind());
        assertTrue(none.getMessage().startsWith("unsupported configuration: /domain/devices/interface[1] (type 'user', "
                + "MAC 52:54:00:00:00:01): no network backend 'user' is installed; install the bundle that provides it"
                + " (vmm.net.nat"), none.getMessage());
    }

    @Test
    void vmmsBackendElementPicksATestBackendWithItsSettings() throws Exception {
        var def = DomainXmlParser.parse("<domain type='qemu'><name>t</name><memory unit='MiB'>64</memory>"
                + "<os><kernel>/k</kernel></os><devices><interface type='user'><mac address='52:54:00:00:00:02'/>"
                + "<model type='virtio'/><backend type='pcap' file='/tmp/t.pcap' peer='10.0.2.2'/></interface></devices></domain>");
        MachineConfig c = MachineDomainRunner.config(def, Console.none(), name -> name.equals("pcap"));
        assertEquals(List.of(new DeviceSpec("virtio-net", Map.of("mac", "52:54:00:00:00:02", "file", "/tmp/t.pcap",
                "peer", "10.0.2.2", "backend", "pcap"))), c.devices());
    }

    @Test
    void qemuTypeRunsOnTheSoftwareCpuAndRebootDestroyEndsTheMachine() throws Exception {
        var def = DomainXmlParser.parse("<domain type='qemu'><name>t</name><memory unit='MiB'>64</memory>"
                + "<os><type>hvm</type><kernel>/k</kernel></os><on_reboot>destroy</on_reboot></domain>");
        MachineConfig c = MachineDomainRunner.config(def, Console.none(), ALL);
        assertEquals("emu", c.accelerator());
        assertEquals(RebootPolicy.EXIT, c.reboot());
        assertEquals("", c.commandLine());
    }

    @Test
    void whatTheMachineCannotDoIsAClearError() throws Exception {
        var noKernel = DomainXmlParser.parse(DomainXmlParserTest.resource("kvm-demo2.xml"));
        DomainException e = assertThrows(DomainException.class, () -> MachineDomainRunner.config(noKernel, Console.none(), ALL));
        assertEquals(DomainException.Kind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("no <os><kernel>"), e.getMessage());
        var tiny = DomainXmlParser.parse("<domain type='qemu'><name>t</name><memory>1024</memory>"
                + "<os><kernel>/k</kernel></os></domain>");
        assertTrue(assertThrows(DomainException.class, () -> MachineDomainRunner.config(tiny, Console.none(), ALL))
                .getMessage().contains("at least 2048 KiB"));
    }

    @Test
    void ideDisksBecomeDrivesOfOneController() throws Exception {
        var def = DomainXmlParser.parse("<domain type='qemu'><name>t</name><memory unit='MiB'>64</memory>"
                + "<os><type>hvm</type><kernel>/k</kernel></os><devices>"
                + "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/a.qcow2'/>"
                + "<target dev='hda' bus='ide'/></disk>"
                + "<disk type='file' device='disk'><source file='/b.raw'/><target dev='hdc' bus='ide'/><readonly/></disk>"
                + "<disk type='file' device='cdrom'><source file='/c.iso'/><target dev='hdd' bus='ide'/></disk>"
                + "<disk type='file' device='disk'><source file='/v.raw'/><target dev='vda' bus='virtio'/></disk>"
                + "</devices></domain>");
        MachineConfig c = MachineDomainRunner.config(def, Console.none(), ALL);
        assertEquals(List.of(
                new DeviceSpec("virtio-blk", Map.of("file", "/v.raw", "format", "raw")),
                new DeviceSpec("ide", Map.of("hda.file", "/a.qcow2", "hda.format", "qcow2",
                        "hdc.file", "/b.raw", "hdc.format", "raw", "hdc.readonly", "on"))), c.devices());
    }
}
