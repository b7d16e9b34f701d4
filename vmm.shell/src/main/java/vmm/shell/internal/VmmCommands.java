package vmm.shell.internal;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockFormats;
import vmm.core.hypervisor.Hypervisor;
import vmm.core.machine.AcceleratorChoice;
import vmm.core.machine.MachineException;
import vmm.core.state.VmmHome;

/** The {@code vmm:} commands that manage the VMM itself and its domains, named after virsh's. */
@Component(service = VmmCommands.class, property = {
    "osgi.command.scope=vmm",
    "osgi.command.function=version",
    "osgi.command.function=hypervisor",
    "osgi.command.function=formats",
    "osgi.command.function=quit"
})
public final class VmmCommands {
    private static final Logger LOG = LoggerFactory.getLogger(VmmCommands.class);

    private final BlockFormats formats;
    private final VmmHome home;
    private final String version;
    private final BundleContext context;
    private final List<Hypervisor> hypervisors = new CopyOnWriteArrayList<>();

    @Activate
    public VmmCommands(@Reference BlockFormats formats, BundleContext context) {
        this.formats = formats;
        this.home = VmmHome.fromProperty(context.getProperty(VmmHome.PROPERTY));
        this.version = context.getBundle().getVersion().toString();
        this.context = context;
        LOG.info("vmm commands ready, state in {}", home.root());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addHypervisor(Hypervisor h) {
        hypervisors.add(h);
    }

    void removeHypervisor(Hypervisor h) {
        hypervisors.remove(h);
    }

    @Descriptor("show the VMM version and where it keeps its state")
    public void version() {
        PrintStream out = System.out;
        out.println("vmm " + version);
        out.println("state: " + home.root());
        out.println("java: " + Runtime.version());
        out.println("process: " + ProcessHandle.current().pid()
                + (Boolean.parseBoolean(context.getProperty("vmm.daemon")) ? " (daemon)" : ""));
    }

    @Descriptor("leave the shell and stop the VMM (as Ctrl-D does)")
    public void quit() throws org.osgi.framework.BundleException {
        LOG.info("quit requested from the shell");
        // Stopping the system bundle ends the framework; the launcher then exits.
        context.getBundle(0).stop();
    }

    @Descriptor("show the accelerators, whether this host can use them, and which one auto picks")
    public void hypervisor() {
        if (hypervisors.isEmpty()) {
            System.out.println("no hypervisor bundle is installed");
        }
        for (Hypervisor h : hypervisors) {
            var s = h.status();
            System.out.printf("%-6s %-12s %s%n", h.name(), s.available() ? "available" : "unavailable", s.detail());
        }
        try {
            AcceleratorChoice auto = AcceleratorChoice.choose(AcceleratorChoice.AUTO, hypervisors);
            System.out.println(auto.reason());
        } catch (MachineException e) {
            System.out.println("auto picks none: " + e.getMessage());
        }
    }

    @Descriptor("list the disk image formats present and the bundle that provides each")
    public void formats() {
        System.out.printf("%-10s %-28s %s%n", "Format", "Bundle", "Version");
        for (BlockFormat f : formats.all()) {
            var b = FrameworkUtil.getBundle(f.getClass());
            System.out.printf("%-10s %-28s %s%n", f.name(), b == null ? "-" : b.getSymbolicName(),
                    b == null ? "-" : b.getVersion());
        }
    }
}
