package vmm.shell.internal.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.domain.DomainException;
import vmm.core.domain.DomainManager;
import vmm.core.hypervisor.Hypervisor;
import vmm.core.machine.MachineException;
import vmm.core.machine.MachineFactory;
import vmm.core.state.VmmHome;

/**
 * The {@code demo} domain, there out of the box: Debian's cloud kernel with a busybox
 * initramfs made from the cached guest material ({@link DemoMaterial}) into
 * {@code STATE/images/demo/}, defined once per state folder as a persistent domain of the type
 * this host's accelerator runs ({@code kvm} where /dev/kvm works, else {@code qemu}, the
 * software CPU). A domain the user named {@code demo} is left alone, and once offered (the
 * material is there), an undefined demo stays undefined.
 *
 * <p>Only the launcher's frameworks offer it (framework property {@code vmm.demo=on}; the
 * environment variable {@code VMM_DEMO=off} turns it off): an embedding framework gets no
 * domain it did not ask for.
 */
@Component(service = DemoDomain.class)
public final class DemoDomain {
    private static final Logger LOG = LoggerFactory.getLogger(DemoDomain.class);

    public static final String NAME = "demo";
    public static final String PROPERTY = "vmm.demo";

    private final String note;
    private final Path dir;

    /** The emu reference orders this after the accelerators have registered, so auto picks right. */
    @Activate
    public DemoDomain(@Reference DomainManager domains, @Reference MachineFactory machines,
                      @Reference(target = "(" + Hypervisor.PROPERTY + "=emu)") Hypervisor emu, BundleContext context) {
        this.dir = VmmHome.fromProperty(context.getProperty(VmmHome.PROPERTY)).images().resolve(NAME);
        this.note = "on".equals(context.getProperty(PROPERTY)) ? offer(domains, machines, dir) : null;
    }

    /** Defines the demo if it should be; returns what the banner says about it (null: nothing). */
    private static String offer(DomainManager domains, MachineFactory machines, Path dir) {
        if (domains.find(NAME).isPresent()) {
            return null;
        }
        if (Files.exists(dir.resolve(DemoMaterial.INITRD))) {
            return null; // offered before and undefined since: the user's choice
        }
        try {
            DemoMaterial.Boot boot = DemoMaterial.build(DemoMaterial.guestCache(), dir);
            String type = type(machines);
            domains.define(xml(type, boot));
            LOG.info("defined the demo domain ({}): {} and {}", type, boot.kernel(), boot.initrd());
            return null;
        } catch (DemoMaterial.Unavailable e) {
            LOG.info("no demo domain: {}", e.getMessage());
            return "no demo domain: " + e.getMessage();
        } catch (IOException | DomainException | MachineException e) {
            LOG.error("cannot make the demo domain in {}: {}", dir, e.toString());
            return "no demo domain: " + e.getMessage();
        }
    }

    /** Where the PVM flavour of KVM is loaded (a KVM without VT-x/AMD-V, for guests of a cloud). */
    static final Path PVM = Path.of("/sys/module/kvm_pvm");

    /**
     * kvm where auto picks it, except on PVM's /dev/kvm, which stops at Linux's ring-0 code
     * (measured: no stock Linux boots through it): there the software CPU runs the demo.
     */
    private static String type(MachineFactory machines) throws MachineException {
        if (!machines.choose("auto").name().equals("kvm")) {
            return "qemu";
        }
        if (Files.exists(PVM)) {
            LOG.info("the demo runs on the software CPU (type 'qemu'): /dev/kvm here is PVM ({}), which cannot run Linux", PVM);
            return "qemu";
        }
        return "kvm";
    }

    static String xml(String type, DemoMaterial.Boot boot) {
        return """
                <domain type='%s'>
                  <name>%s</name>
                  <title>Linux demo: Debian's cloud kernel and a busybox shell</title>
                  <description>Made by vmm from the guest material of scripts/guest-material. 'console demo' reaches its shell (Ctrl+] leaves); 'shutdown demo' presses its ACPI power button.</description>
                  <memory unit='MiB'>256</memory>
                  <vcpu>1</vcpu>
                  <os>
                    <type arch='x86_64'>hvm</type>
                    <kernel>%s</kernel>
                    <initrd>%s</initrd>
                    <cmdline>console=ttyS0 panic=-1 cryptomgr.notests</cmdline>
                  </os>
                  <on_poweroff>destroy</on_poweroff>
                  <on_reboot>restart</on_reboot>
                  <on_crash>destroy</on_crash>
                  <devices>
                    <serial type='pty'>
                      <target port='0'/>
                    </serial>
                    <console type='pty'>
                      <target type='serial' port='0'/>
                    </console>
                  </devices>
                </domain>
                """.formatted(type, NAME, xmlText(boot.kernel()), xmlText(boot.initrd()));
    }

    private static String xmlText(Path p) {
        return p.toString().replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;");
    }

    /** Lines for the interactive banner: how to try the demo, or why there is none. */
    public List<String> banner(DomainManager domains) {
        if (note != null) {
            return List.of(note);
        }
        // A demo of the user's own (not booting our material) gets no hint.
        return domains.find(NAME).filter(d -> d.definition().os().kernel() != null
                && Path.of(d.definition().os().kernel()).startsWith(dir)).map(d -> d.active()
                ? List.of("'console demo' reaches the running demo's shell (Ctrl+] leaves)")
                : List.of("'start --console demo' boots Linux to a shell (Ctrl+] leaves, 'shutdown demo' stops it)"))
                .orElse(List.of());
    }
}
