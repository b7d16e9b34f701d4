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

    @Test
    void directKernelBootMapsOntoTheMachine() throws Exception {
        var def = DomainXmlParser.parse(DomainXmlParserTest.resource("kvm-full.xml"));
        MachineConfig c = MachineDomainRunner.config(def, Console.none());
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
                new DeviceSpec("virtio-blk", Map.of("file", "/dev/vg0/web01-data", "format", "raw"))), c.devices());
    }

    @Test
    void qemuTypeRunsOnTheSoftwareCpuAndRebootDestroyEndsTheMachine() throws Exception {
        var def = DomainXmlParser.parse("<domain type='qemu'><name>t</name><memory unit='MiB'>64</memory>"
                + "<os><type>hvm</type><kernel>/k</kernel></os><on_reboot>destroy</on_reboot></domain>");
        MachineConfig c = MachineDomainRunner.config(def, Console.none());
        assertEquals("emu", c.accelerator());
        assertEquals(RebootPolicy.EXIT, c.reboot());
        assertEquals("", c.commandLine());
    }

    @Test
    void whatTheMachineCannotDoIsAClearError() throws Exception {
        var noKernel = DomainXmlParser.parse(DomainXmlParserTest.resource("kvm-demo2.xml"));
        DomainException e = assertThrows(DomainException.class, () -> MachineDomainRunner.config(noKernel, Console.none()));
        assertEquals(DomainException.Kind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("no <os><kernel>"), e.getMessage());
        var tiny = DomainXmlParser.parse("<domain type='qemu'><name>t</name><memory>1024</memory>"
                + "<os><kernel>/k</kernel></os></domain>");
        assertTrue(assertThrows(DomainException.class, () -> MachineDomainRunner.config(tiny, Console.none()))
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
        MachineConfig c = MachineDomainRunner.config(def, Console.none());
        assertEquals(List.of(
                new DeviceSpec("virtio-blk", Map.of("file", "/v.raw", "format", "raw")),
                new DeviceSpec("ide", Map.of("hda.file", "/a.qcow2", "hda.format", "qcow2",
                        "hdc.file", "/b.raw", "hdc.format", "raw", "hdc.readonly", "on"))), c.devices());
    }
}
