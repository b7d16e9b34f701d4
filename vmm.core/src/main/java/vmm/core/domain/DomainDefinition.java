package vmm.core.domain;

import java.util.List;
import java.util.UUID;

/**
 * A validated domain definition: the parts of libvirt's domain XML that a KVM guest uses, and
 * the XML itself (normalized as libvirt writes it back, with unknown elements kept).
 *
 * @param type             {@code kvm} or {@code qemu} (the software CPU)
 * @param name             the domain's name
 * @param uuid             its UUID (generated when the XML has none)
 * @param title            a short description, or null
 * @param memoryKiB        maximum memory ({@code <memory>}) in KiB
 * @param currentMemoryKiB memory at boot ({@code <currentMemory>}) in KiB
 * @param vcpus            virtual CPUs ({@code <vcpu>})
 * @param os               the boot configuration
 * @param features         names of the {@code <features>} children (acpi, apic, pae...)
 * @param cpuMode          {@code <cpu mode>}, or null
 * @param memoryBacking    huge pages and page sharing
 * @param numaTune         {@code <numatune><memory>}, or null
 * @param disks            disks in document order
 * @param interfaces       network interfaces in document order
 * @param serials          serial ports
 * @param consoles         consoles
 * @param controllers      controllers
 * @param onPoweroff       what a guest power-off does
 * @param onReboot         what a guest reboot does
 * @param onCrash          what a guest crash does
 * @param xml              the definition as libvirt's dumpxml would write it
 * @param warnings         elements kept but not supported yet, one line each with its path
 * @param memballoon       the {@code <memballoon model>} ({@code virtio} when the XML has none,
 *                         as libvirt adds for KVM guests; {@code none} for no balloon). Since 1.4.
 */
public record DomainDefinition(String type, String name, UUID uuid, String title, long memoryKiB,
        long currentMemoryKiB, int vcpus, Os os, List<String> features, String cpuMode,
        MemoryBacking memoryBacking, NumaTune numaTune, List<Disk> disks, List<NetInterface> interfaces,
        List<CharDevice> serials, List<CharDevice> consoles, List<Controller> controllers,
        LifecycleAction onPoweroff, LifecycleAction onReboot, LifecycleAction onCrash, String xml,
        List<String> warnings, String memballoon) {

    public DomainDefinition {
        memballoon = memballoon == null ? "virtio" : memballoon;
        features = List.copyOf(features);
        disks = List.copyOf(disks);
        interfaces = List.copyOf(interfaces);
        serials = List.copyOf(serials);
        consoles = List.copyOf(consoles);
        controllers = List.copyOf(controllers);
        warnings = List.copyOf(warnings);
    }

    /** As before 1.4: with libvirt's default balloon ({@code virtio}). */
    public DomainDefinition(String type, String name, UUID uuid, String title, long memoryKiB,
            long currentMemoryKiB, int vcpus, Os os, List<String> features, String cpuMode,
            MemoryBacking memoryBacking, NumaTune numaTune, List<Disk> disks, List<NetInterface> interfaces,
            List<CharDevice> serials, List<CharDevice> consoles, List<Controller> controllers,
            LifecycleAction onPoweroff, LifecycleAction onReboot, LifecycleAction onCrash, String xml,
            List<String> warnings) {
        this(type, name, uuid, title, memoryKiB, currentMemoryKiB, vcpus, os, features, cpuMode, memoryBacking,
                numaTune, disks, interfaces, serials, consoles, controllers, onPoweroff, onReboot, onCrash, xml,
                warnings, "virtio");
    }

    /** Whether the domain has a memory balloon (any model but {@code none}). Since 1.4. */
    public boolean hasBalloon() {
        return !"none".equals(memballoon);
    }

    /** The accelerator this domain asks for: {@code kvm} for type kvm, {@code emu} for qemu. */
    public String accelerator() {
        return "kvm".equals(type) ? "kvm" : "emu";
    }

    /**
     * {@code <os>}: what to boot.
     *
     * @param type    {@code hvm}
     * @param arch    {@code x86_64} unless given
     * @param machine the machine type, or null
     * @param kernel  a kernel to boot directly, or null
     * @param initrd  its initial RAM disk, or null
     * @param cmdline its command line, or null
     * @param boot    boot devices in order ({@code hd}, {@code cdrom}, {@code network}, {@code fd})
     */
    public record Os(String type, String arch, String machine, String kernel, String initrd, String cmdline,
            List<String> boot) {
        public Os {
            boot = List.copyOf(boot);
        }
    }

    /** {@code <memoryBacking>}: huge pages and whether KSM may merge the guest's pages. */
    public record MemoryBacking(boolean hugepages, boolean nosharepages) {
        public static final MemoryBacking NONE = new MemoryBacking(false, false);
    }

    /** {@code <numatune><memory mode nodeset>}: the host NUMA nodes guest memory comes from. */
    public record NumaTune(String mode, String nodeset) {
    }

    /**
     * {@code <disk>}.
     *
     * @param type     {@code file} or {@code block}
     * @param device   {@code disk}, {@code cdrom}, {@code floppy} or {@code lun}
     * @param format   {@code raw} or {@code qcow2} ({@code <driver type>}; raw unless given)
     * @param source   the file or block device, or null (an empty CD-ROM drive)
     * @param target   the guest's name for it ({@code vda}, {@code hdc})
     * @param bus      {@code virtio}, {@code ide}, ...
     * @param readonly whether the guest may only read it
     */
    public record Disk(String type, String device, String format, String source, String target, String bus,
            boolean readonly) {
    }

    /**
     * {@code <interface>}.
     *
     * @param type   {@code network}, {@code bridge} or {@code user}
     * @param source the network or bridge name, or null for user networking
     * @param mac    the MAC address (generated when the XML has none)
     * @param model  the device model ({@code virtio}, {@code e1000}), or null
     * @param target the host-side device name ({@code <target dev>}), or null
     * @param backend vmm's own {@code <backend type='NAME' KEY='VALUE'.../>}: the network backend
     *               ({@code vmm.core.net}) and its settings, in place of the one the interface type
     *               names; empty when the element is absent
     */
    public record NetInterface(String type, String source, String mac, String model, String target,
                               java.util.Map<String, String> backend) {
        public NetInterface {
            backend = java.util.Map.copyOf(backend);
        }

        /** Without a {@code <backend>} element. */
        public NetInterface(String type, String source, String mac, String model, String target) {
            this(type, source, mac, model, target, java.util.Map.of());
        }
    }

    /** {@code <serial>} or {@code <console>}: the host side ({@code pty}, {@code file}...) and the guest port. */
    public record CharDevice(String type, String path, int port, String targetType) {
    }

    /** {@code <controller type index model>}. */
    public record Controller(String type, int index, String model) {
    }

    /** The {@code on_poweroff}, {@code on_reboot} and {@code on_crash} actions. */
    public enum LifecycleAction {
        DESTROY("destroy"),
        RESTART("restart"),
        PRESERVE("preserve"),
        RENAME_RESTART("rename-restart"),
        COREDUMP_DESTROY("coredump-destroy"),
        COREDUMP_RESTART("coredump-restart");

        private final String xmlName;

        LifecycleAction(String xmlName) {
            this.xmlName = xmlName;
        }

        public String xmlName() {
            return xmlName;
        }

        /** The action named {@code text} in the XML, or null. */
        public static LifecycleAction fromXml(String text) {
            for (LifecycleAction a : values()) {
                if (a.xmlName.equals(text)) {
                    return a;
                }
            }
            return null;
        }
    }
}
