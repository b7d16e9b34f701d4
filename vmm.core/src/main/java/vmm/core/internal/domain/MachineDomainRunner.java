package vmm.core.internal.domain;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainException.Kind;
import vmm.core.domain.DomainRunner;
import vmm.core.machine.Console;
import vmm.core.machine.DeviceSpec;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.MachineException;
import vmm.core.machine.MachineExit;
import vmm.core.machine.MachineFactory;
import vmm.core.machine.RebootPolicy;
import vmm.core.net.NetworkBackendType;
import vmm.core.state.VmmHome;

/**
 * Runs domains on the machine ({@link MachineFactory}): the domain XML becomes a
 * {@link MachineConfig} (memory, vCPUs, direct kernel boot, accelerator from the domain type),
 * COM1 goes to {@code STATE/logs/NAME.console.log}, and the machine's end is reported to the
 * domain manager from a watcher thread.
 */
@Component(service = DomainRunner.class)
public final class MachineDomainRunner implements DomainRunner {
    private static final Logger LOG = LoggerFactory.getLogger(MachineDomainRunner.class);

    private final MachineFactory factory;
    private final VmmHome home;

    @Activate
    public MachineDomainRunner(@Reference MachineFactory factory, BundleContext context) {
        this.factory = factory;
        this.home = VmmHome.fromProperty(context.getProperty(VmmHome.PROPERTY));
    }

    /** Network backends by name ({@code vmm.net.backend}), as their bundles come and go. */
    private final Map<String, NetworkBackendType> backends = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addBackend(NetworkBackendType type) {
        backends.put(type.name(), type);
    }

    void removeBackend(NetworkBackendType type) {
        backends.remove(type.name(), type);
    }

    /**
     * The machine configuration for {@code def}; what the machine cannot do yet is an error.
     *
     * @param hasBackend whether a network backend of that name is registered
     */
    static MachineConfig config(DomainDefinition def, Console console, Predicate<String> hasBackend)
            throws DomainException {
        DomainDefinition.Os os = def.os();
        if (os.kernel() == null) {
            throw new DomainException(Kind.UNSUPPORTED, "unsupported configuration: domain '" + def.name()
                    + "' has no <os><kernel>; booting from disk through firmware is not supported yet");
        }
        if (def.vcpus() > MachineConfig.MAX_CPUS) {
            throw new DomainException(Kind.UNSUPPORTED, "unsupported configuration: " + def.vcpus()
                    + " vCPUs, the machine runs at most " + MachineConfig.MAX_CPUS);
        }
        long bytes = def.memoryKiB() * 1024;
        if (bytes < MachineConfig.MIN_MEMORY) {
            throw new DomainException(Kind.UNSUPPORTED, "unsupported configuration: " + def.memoryKiB()
                    + " KiB of memory, the machine needs at least " + (MachineConfig.MIN_MEMORY >> 10) + " KiB");
        }
        // on_reboot='restart' is a reset inside the machine; anything else ends it and the
        // domain manager applies the action.
        RebootPolicy reboot = def.onReboot() == DomainDefinition.LifecycleAction.RESTART ? RebootPolicy.RESET
                : RebootPolicy.EXIT;
        return new MachineConfig(bytes, def.vcpus(), Path.of(os.kernel()), os.initrd(), os.cmdline(), def.accelerator(),
                console, reboot, devices(def, hasBackend));
    }

    /**
     * The disks the machine can plug in: virtio disks with a source become {@code virtio-blk}
     * PCI functions (in document order); IDE disks (targets hda-hdd) become drives of one
     * {@code ide} controller (settings {@code hdX.file}, {@code hdX.format}, {@code hdX.readonly});
     * others (CD-ROMs, other buses) are not attached yet, said in the log; then the
     * interfaces ({@link InterfaceDevices}).
     */
    static List<DeviceSpec> devices(DomainDefinition def, Predicate<String> hasBackend) throws DomainException {
        List<DeviceSpec> specs = new ArrayList<>();
        Map<String, String> ide = new LinkedHashMap<>();
        for (DomainDefinition.Disk d : def.disks()) {
            boolean disk = d.device() == null || d.device().equals("disk");
            if (disk && "virtio".equals(d.bus()) && d.source() != null) {
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put("file", d.source());
                if (d.format() != null) {
                    settings.put("format", d.format());
                }
                if (d.readonly()) {
                    settings.put("readonly", "on");
                }
                specs.add(new DeviceSpec("virtio-blk", settings));
            } else if (disk && "ide".equals(d.bus()) && d.source() != null && d.target() != null
                    && d.target().matches("hd[a-d]") && !ide.containsKey(d.target() + ".file")) {
                ide.put(d.target() + ".file", d.source());
                if (d.format() != null) {
                    ide.put(d.target() + ".format", d.format());
                }
                if (d.readonly()) {
                    ide.put(d.target() + ".readonly", "on");
                }
            } else {
                LOG.warn("domain '{}': disk {} ({} on bus {}) is not attached: the machine has virtio disks and IDE "
                        + "disks hda-hdd only", def.name(), d.target(), d.device(), d.bus());
            }
        }
        if (!ide.isEmpty()) {
            specs.add(new DeviceSpec("ide", ide));
        }
        specs.addAll(InterfaceDevices.of(def, hasBackend));
        return specs;
    }

    @Override
    public DomainRunner.Machine start(DomainDefinition def, ExitHandler onExit) throws DomainException {
        return launch(def, onExit, null, false);
    }

    @Override
    public DomainRunner.Machine restore(DomainDefinition def, java.io.InputStream state, boolean paused,
                                        ExitHandler onExit) throws DomainException {
        return launch(def, onExit, state, paused);
    }

    /** Builds the machine, loads {@code state} into it when there is one, and starts it. */
    private DomainRunner.Machine launch(DomainDefinition def, ExitHandler onExit, java.io.InputStream state,
                                        boolean paused) throws DomainException {
        ConsoleHub log = new ConsoleHub(consoleLog(def.name()));
        vmm.core.machine.Machine m;
        try {
            m = factory.create(config(def, new Console(log, log.input()), backends::containsKey));
        } catch (MachineException | IllegalArgumentException e) {
            close(log);
            throw new DomainException(Kind.FAILED, "internal error: cannot build the machine: " + e.getMessage(), e);
        } catch (DomainException e) {
            close(log);
            throw e;
        }
        if (state != null) {
            try {
                m.restoreState(state);
            } catch (MachineException e) {
                m.close();
                close(log);
                throw new DomainException(Kind.INVALID_OPERATION, e.getMessage(), e);
            }
        }
        try {
            m.start(paused);
        } catch (MachineException e) {
            m.close();
            close(log);
            throw new DomainException(Kind.FAILED, "internal error: the machine did not start: " + e.getMessage(), e);
        }
        LOG.info("domain {} runs on {} ({})", def.name(), m.accelerator().name(), m.accelerator().reason());
        Running running = new Running(m, log);
        Thread.ofPlatform().name("domain-" + def.name() + "-watch").daemon().start(() -> running.watch(def, onExit));
        return running;
    }

    private OutputStream consoleLog(String name) throws DomainException {
        Path file = home.logs().resolve(name + ".console.log");
        try {
            Files.createDirectories(file.getParent());
            return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new DomainException(Kind.FAILED, "cannot open the console log " + file + ": " + e.getMessage(), e);
        }
    }

    private static void close(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            LOG.warn("cannot close a console log: {}", e.toString());
        }
    }

    /** A started machine as the domain manager drives it. */
    private static final class Running implements DomainRunner.Machine {
        private final vmm.core.machine.Machine machine;
        private final ConsoleHub log;
        private volatile boolean destroyed;
        private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);

        Running(vmm.core.machine.Machine machine, ConsoleHub log) {
            this.machine = machine;
            this.log = log;
        }

        void watch(DomainDefinition def, ExitHandler onExit) {
            try {
                MachineExit exit = machine.awaitExit();
                machine.close();
                close(log);
                released.countDown();
                if (destroyed) {
                    return;
                }
                switch (exit) {
                    case MachineExit.PoweredOff p -> onExit.exited(Exit.POWEROFF, "guest powered off");
                    case MachineExit.DebugExit d -> onExit.exited(Exit.POWEROFF, "debug exit " + d.value());
                    case MachineExit.ResetRequested r -> onExit.exited(Exit.REBOOT, "reset by " + r.source());
                    case MachineExit.Crashed c -> {
                        LOG.error("domain {} crashed: {}\n{}", def.name(), c.reason(), c.report());
                        onExit.exited(Exit.CRASH, c.reason());
                    }
                    case MachineExit.Destroyed d -> onExit.exited(Exit.POWEROFF, "destroyed by the host");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("stopped watching domain {}", def.name());
            }
        }

        @Override
        public void pause() {
            machine.pause();
        }

        @Override
        public void resume() {
            machine.resume();
        }

        @Override
        public void requestShutdown() {
            if (!machine.pressPowerButton()) {
                // Pressed all the same: the event stays pending until the guest enables it.
                LOG.info("the guest has not enabled the ACPI power button event (yet): it may not react");
            }
        }

        @Override
        public void reset() {
            machine.reset();
        }

        @Override
        public void powerOff() {
            destroyed = true;
            machine.destroy();
        }

        @Override
        public vmm.core.domain.DomainConsole openConsole(OutputStream guestOutput) throws DomainException {
            return log.attach(guestOutput);
        }

        @Override
        public boolean awaitReleased(long millis) throws InterruptedException {
            return released.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        @Override
        public void saveState(OutputStream out) throws DomainException {
            machine.pause();
            try {
                machine.saveState(out);
            } catch (MachineException e) {
                throw new DomainException(Kind.FAILED, e.getMessage(), e);
            }
        }

        @Override
        public long cpuTimeNs() {
            return machine.vcpuStats().stream().mapToLong(vmm.core.machine.VcpuStats::cpuTimeNs).sum();
        }

        @Override
        public java.util.List<vmm.core.domain.VcpuInfo> vcpus() {
            return machine.vcpuStats().stream()
                    .map(v -> new vmm.core.domain.VcpuInfo(v.vcpu(), v.hostCpu(), v.cpuTimeNs())).toList();
        }
    }
}
