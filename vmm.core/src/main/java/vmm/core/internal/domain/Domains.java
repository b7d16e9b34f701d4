package vmm.core.internal.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainEvent;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainException.Kind;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.DomainManager;
import vmm.core.domain.DomainRunner;
import vmm.core.domain.DomainState;
import vmm.core.domain.StateReason;

/**
 * The domain table: definitions (persistent and transient), their states and machines, the
 * state machine libvirt's QEMU driver implements. One lock guards the table; machines are
 * started and stopped under it, so two commands never race on one domain.
 */
class Domains implements DomainManager {
    private static final Logger LOG = LoggerFactory.getLogger(Domains.class);

    /** One domain's row. */
    static final class Entry {
        DomainDefinition persistent;
        DomainDefinition live;
        int id = -1;
        DomainState state = DomainState.SHUTOFF;
        StateReason reason = StateReason.UNKNOWN;
        boolean autostart;
        DomainRunner.Machine machine;
        /** The running reason to return to when a shutdown times out. */
        StateReason beforeShutdown = StateReason.BOOTED;
        /** Counts shutdown requests, so a timer only acts on the latest one. */
        int shutdowns;

        DomainDefinition current() {
            return live != null ? live : persistent;
        }
    }

    final DomainStore store;
    final Supplier<DomainRunner> runner;
    private final Consumer<DomainEvent> events;
    final Map<String, Entry> byName = new LinkedHashMap<>();
    private final List<String> problems;
    int nextId = 1;
    private volatile Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private final ShutdownTimer shutdownTimer = new ShutdownTimer();

    /** How long {@link #shutdown(String)} waits for the guest to power off, unless configured. */
    static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(120);

    Domains(DomainStore store, Supplier<DomainRunner> runner, Consumer<DomainEvent> events) {
        this.store = store;
        this.runner = runner;
        this.events = events;
        DomainStore.Loaded loaded = store.load();
        List<String> found = new ArrayList<>(loaded.problems());
        for (DomainDefinition d : loaded.definitions()) {
            Entry clash = byUuid(d.uuid());
            if (clash != null) {
                found.add(store.file(d.name()) + ": UUID " + d.uuid() + " is also domain '" + clash.persistent.name()
                        + "'; not loaded");
                continue;
            }
            Entry e = new Entry();
            e.persistent = d;
            e.autostart = store.autostart(d.name());
            if (store.wasRunning(d.name())) {
                // The VMM that ran it is gone, and the machine with it.
                LOG.warn("domain {} was running when the VMM ended: now shut off (crashed)", d.name());
                e.reason = StateReason.CRASHED;
            }
            byName.put(d.name(), e);
        }
        this.problems = List.copyOf(found);
    }

    private Entry byUuid(UUID uuid) {
        for (Entry e : byName.values()) {
            if (e.current().uuid().equals(uuid)) {
                return e;
            }
        }
        return null;
    }

    static DomainInfo info(Entry e) {
        long cpu = 0;
        if (e.machine != null) {
            cpu = e.machine.cpuTimeNs();
        }
        return new DomainInfo(e.current(), e.id, e.state, e.reason, e.persistent != null, e.autostart, cpu);
    }

    @Override
    public synchronized List<DomainInfo> list() {
        List<DomainInfo> all = new ArrayList<>();
        for (Entry e : byName.values()) {
            all.add(info(e));
        }
        // virsh's order: active domains by id, then inactive ones by name.
        all.sort(Comparator.comparing((DomainInfo d) -> !d.active()).thenComparingInt(DomainInfo::id)
                .thenComparing(DomainInfo::name, String.CASE_INSENSITIVE_ORDER));
        return all;
    }

    private Entry entry(String domain) {
        if (domain == null) {
            return null;
        }
        if (domain.matches("[0-9]{1,9}")) {
            int id = Integer.parseInt(domain);
            for (Entry e : byName.values()) {
                if (e.id == id && e.state.active()) {
                    return e;
                }
            }
        }
        UUID uuid = DomainXmlParser.parseUuid(domain);
        if (uuid != null) {
            Entry e = byUuid(uuid);
            if (e != null) {
                return e;
            }
        }
        return byName.get(domain);
    }

    Entry require(String domain) throws DomainException {
        Entry e = entry(domain);
        if (e == null) {
            throw new DomainException(Kind.NO_DOMAIN, "failed to get domain '" + domain + "'");
        }
        return e;
    }

    @Override
    public synchronized Optional<DomainInfo> find(String domain) {
        return Optional.ofNullable(entry(domain)).map(Domains::info);
    }

    @Override
    public synchronized DomainInfo lookup(String domain) throws DomainException {
        return info(require(domain));
    }

    @Override
    public DomainDefinition parse(String xml) throws DomainException {
        return DomainXmlParser.parse(xml);
    }

    /** The row {@code def} belongs to (same name and UUID), or null when new; a clash is an error. */
    Entry matching(DomainDefinition def) throws DomainException {
        Entry sameName = byName.get(def.name());
        Entry sameUuid = byUuid(def.uuid());
        if (sameName != null && !sameName.current().uuid().equals(def.uuid())) {
            throw new DomainException(Kind.CONFLICT, "operation failed: domain '" + def.name()
                    + "' already exists with uuid " + sameName.current().uuid());
        }
        if (sameUuid != null && sameName == null) {
            throw new DomainException(Kind.CONFLICT, "operation failed: domain '" + sameUuid.current().name()
                    + "' already exists with uuid " + def.uuid());
        }
        return sameName;
    }

    @Override
    public DomainInfo define(String xml) throws DomainException {
        DomainDefinition def = DomainXmlParser.parse(xml);
        DomainInfo result;
        synchronized (this) {
            Entry e = matching(def);
            store.save(def);
            if (e == null) {
                e = new Entry();
                byName.put(def.name(), e);
            }
            e.persistent = def;
            result = info(e);
        }
        fire(result, DomainEvent.Type.DEFINED);
        return result;
    }

    @Override
    public void undefine(String domain) throws DomainException {
        DomainInfo result;
        synchronized (this) {
            Entry e = require(domain);
            if (e.persistent == null) {
                throw new DomainException(Kind.INVALID_OPERATION,
                        "Requested operation is not valid: cannot undefine transient domain");
            }
            store.delete(e.persistent.name());
            DomainInfo before = info(e);
            e.persistent = null;
            e.autostart = false;
            if (!e.state.active()) {
                byName.remove(before.name());
            }
            result = before;
        }
        fire(result, DomainEvent.Type.UNDEFINED);
    }

    @Override
    public DomainInfo create(String xml) throws DomainException {
        DomainDefinition def = DomainXmlParser.parse(xml);
        DomainInfo result;
        synchronized (this) {
            Entry e = matching(def);
            if (e != null && e.state.active()) {
                throw new DomainException(Kind.INVALID_OPERATION,
                        "Requested operation is not valid: domain '" + def.name() + "' is already active");
            }
            boolean added = e == null;
            if (added) {
                e = new Entry();
            }
            launch(e, def);
            if (added) {
                byName.put(def.name(), e);
            }
            result = info(e);
        }
        fire(result, DomainEvent.Type.STARTED);
        return result;
    }

    @Override
    public DomainInfo start(String domain) throws DomainException {
        DomainInfo result;
        synchronized (this) {
            Entry e = require(domain);
            if (e.state.active()) {
                throw new DomainException(Kind.INVALID_OPERATION, "Domain is already active");
            }
            launch(e, e.persistent);
            result = info(e);
        }
        fire(result, DomainEvent.Type.STARTED);
        return result;
    }

    /** Starts a machine for {@code def} on row {@code e} (under the lock). */
    private void launch(Entry e, DomainDefinition def) throws DomainException {
        DomainRunner r = runner.get();
        if (r == null) {
            throw new DomainException(Kind.UNSUPPORTED,
                    "this function is not supported by the connection driver: no machine is installed to run domains");
        }
        e.machine = r.start(def, (exit, detail) -> exited(e, exit, detail));
        e.live = def;
        store.setRunning(def, true);
        e.id = nextId++;
        setState(e, DomainState.RUNNING, StateReason.BOOTED);
    }

    static void setState(Entry e, DomainState state, StateReason reason) {
        e.state = state;
        e.reason = reason;
    }

    /** A machine ended on its own: apply the definition's on_poweroff/on_reboot/on_crash. */
    void exited(Entry e, DomainRunner.Exit exit, String detail) {
        DomainEvent.Type type;
        DomainInfo result;
        synchronized (this) {
            if (e.machine == null) {
                return;
            }
            LOG.info("domain {} ended: {} ({})", e.live.name(), exit, detail);
            DomainDefinition.LifecycleAction action = switch (exit) {
                case POWEROFF -> e.live.onPoweroff();
                case REBOOT -> e.live.onReboot();
                case CRASH -> e.live.onCrash();
            };
            boolean restart = action == DomainDefinition.LifecycleAction.RESTART
                    || action == DomainDefinition.LifecycleAction.COREDUMP_RESTART;
            if (restart) {
                DomainDefinition def = e.live;
                try {
                    e.machine = runner.get().start(def, (x, d) -> exited(e, x, d));
                    setState(e, DomainState.RUNNING, StateReason.BOOTED);
                    return;
                } catch (DomainException | RuntimeException ex) {
                    LOG.error("domain {} could not restart: {}", def.name(), ex.getMessage());
                    exit = DomainRunner.Exit.CRASH;
                }
            }
            e.machine = null;
            if (exit == DomainRunner.Exit.CRASH && action == DomainDefinition.LifecycleAction.PRESERVE) {
                setState(e, DomainState.CRASHED, StateReason.PANICKED);
                type = DomainEvent.Type.CRASHED;
            } else {
                stopped(e, exit == DomainRunner.Exit.CRASH ? StateReason.CRASHED : StateReason.SHUTDOWN);
                type = exit == DomainRunner.Exit.CRASH ? DomainEvent.Type.CRASHED : DomainEvent.Type.STOPPED;
            }
            result = info(e);
        }
        fire(result, type);
    }

    /** The machine is gone: back to shut off, or out of the table for a transient domain. */
    void stopped(Entry e, StateReason reason) {
        e.machine = null;
        String name = e.current().name();
        if (e.live != null) {
            store.setRunning(e.live, false);
        }
        e.live = null;
        e.id = -1;
        setState(e, DomainState.SHUTOFF, reason);
        if (e.persistent == null) {
            byName.remove(name);
        }
    }

    @Override
    public synchronized List<vmm.core.domain.VcpuInfo> vcpuInfo(String domain) throws DomainException {
        return active(domain).machine.vcpus();
    }

    @Override
    public synchronized void setMemory(String domain, long kib, boolean live, boolean config) throws DomainException {
        Entry e = require(domain);
        if (!live && !config) {
            live = e.state.active();
            config = !live;
        }
        if (live) {
            active(domain);
        }
        if (config && e.persistent == null) {
            throw new DomainException(Kind.INVALID_OPERATION,
                    "Requested operation is not valid: cannot change persistent config of a transient domain");
        }
        for (DomainDefinition def : live && config ? List.of(e.live, e.persistent)
                : List.of(live ? e.live : e.persistent)) {
            if (kib > def.memoryKiB()) {
                throw new DomainException(Kind.INVALID_OPERATION,
                        "invalid argument: cannot set memory higher than max memory");
            }
        }
        if (live) {
            e.machine.setMemory(kib);
        }
        if (config) {
            DomainDefinition def = DomainXmlParser.parse(e.persistent.xml().replaceFirst(
                    "<currentMemory unit='KiB'>[0-9]+</currentMemory>", "<currentMemory unit='KiB'>" + kib
                            + "</currentMemory>"));
            store.save(def);
            e.persistent = def;
        }
    }

    @Override
    public synchronized java.util.SequencedMap<String, Long> memoryStats(String domain) throws DomainException {
        Entry e = active(domain);
        java.util.SequencedMap<String, Long> stats = new LinkedHashMap<>();
        // As libvirt's QEMU driver: "actual" only from a balloon (none: nothing to report).
        e.machine.memoryKiB().ifPresent(kib -> stats.put("actual", kib));
        return stats;
    }

    Entry active(String domain) throws DomainException {
        Entry e = require(domain);
        if (!e.state.active() || e.machine == null) {
            throw new DomainException(Kind.INVALID_OPERATION, "Requested operation is not valid: domain is not running");
        }
        return e;
    }

    @Override
    public void destroy(String domain) throws DomainException {
        DomainInfo result;
        synchronized (this) {
            Entry e = active(domain);
            e.machine.powerOff();
            DomainInfo last = info(e);
            stopped(e, StateReason.DESTROYED);
            result = new DomainInfo(last.definition(), -1, DomainState.SHUTOFF, StateReason.DESTROYED,
                    e.persistent != null, e.autostart, 0);
        }
        fire(result, DomainEvent.Type.STOPPED);
    }

    /** The timeout of {@link #shutdown(String)}. */
    void setShutdownTimeout(Duration timeout) {
        shutdownTimeout = timeout;
    }

    @Override
    public void shutdown(String domain) throws DomainException {
        shutdown(domain, shutdownTimeout);
    }

    /**
     * Presses the guest's ACPI power button: the domain is in shutdown until the guest powers
     * off (then shut off, reason shutdown) or {@code timeout} passes (then running again, said
     * in the log and by a {@link DomainEvent.Type#SHUTDOWN_TIMED_OUT} event; never killed).
     */
    @Override
    public void shutdown(String domain, Duration timeout) throws DomainException {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new DomainException(Kind.INVALID_OPERATION, "invalid argument: the shutdown timeout must be positive, not "
                    + timeout.toSeconds() + " s");
        }
        DomainInfo result;
        synchronized (this) {
            Entry e = active(domain);
            if (e.state == DomainState.PAUSED) {
                throw new DomainException(Kind.INVALID_OPERATION,
                        "Requested operation is not valid: domain is paused (resume it: a paused guest cannot see the power button)");
            }
            DomainRunner.Machine m = e.machine;
            m.requestShutdown();
            if (e.state != DomainState.SHUTDOWN) {
                e.beforeShutdown = e.reason;
            }
            setState(e, DomainState.SHUTDOWN, StateReason.USER);
            int request = ++e.shutdowns;
            shutdownTimer.arm(timeout, () -> shutdownTimedOut(e, m, request, timeout));
            LOG.info("domain {}: ACPI power button pressed; waiting up to {} s for the guest to power off",
                    e.current().name(), ShutdownTimer.seconds(timeout));
            result = info(e);
        }
        fire(result, DomainEvent.Type.SHUTDOWN);
    }

    private void shutdownTimedOut(Entry e, DomainRunner.Machine m, int request, Duration timeout) {
        DomainInfo result;
        synchronized (this) {
            if (e.machine != m || e.shutdowns != request || e.state != DomainState.SHUTDOWN) {
                return; // powered off, destroyed, rebooted, paused, or asked again since
            }
            LOG.warn("domain {} did not power off within {} s of the ACPI power button; it keeps running "
                    + "('destroy' stops it at once)", e.current().name(), ShutdownTimer.seconds(timeout));
            setState(e, DomainState.RUNNING, e.beforeShutdown);
            result = info(e);
        }
        fire(result, DomainEvent.Type.SHUTDOWN_TIMED_OUT);
    }

    @Override
    public synchronized void reboot(String domain) throws DomainException {
        Entry e = active(domain);
        e.machine.reset();
        if (e.state == DomainState.PAUSED) {
            e.machine.resume();
        }
        setState(e, DomainState.RUNNING, StateReason.BOOTED);
    }

    @Override
    public void suspend(String domain) throws DomainException {
        DomainInfo result;
        synchronized (this) {
            Entry e = active(domain);
            e.machine.pause();
            setState(e, DomainState.PAUSED, StateReason.USER);
            result = info(e);
        }
        fire(result, DomainEvent.Type.SUSPENDED);
    }

    @Override
    public void resume(String domain) throws DomainException {
        DomainInfo result;
        synchronized (this) {
            Entry e = active(domain);
            if (e.state != DomainState.PAUSED) {
                throw new DomainException(Kind.INVALID_OPERATION, "Requested operation is not valid: domain is not paused");
            }
            e.machine.resume();
            setState(e, DomainState.RUNNING, StateReason.UNPAUSED);
            result = info(e);
        }
        fire(result, DomainEvent.Type.RESUMED);
    }

    @Override
    public void setAutostart(String domain, boolean autostart) throws DomainException {
        DomainInfo result;
        synchronized (this) {
            Entry e = require(domain);
            if (e.persistent == null) {
                throw new DomainException(Kind.INVALID_OPERATION,
                        "Requested operation is not valid: cannot set autostart for transient domain");
            }
            store.setAutostart(e.persistent.name(), autostart);
            e.autostart = autostart;
            result = info(e);
        }
        fire(result, DomainEvent.Type.AUTOSTART_CHANGED);
    }

    @Override
    public synchronized String dumpXml(String domain, boolean inactive) throws DomainException {
        Entry e = require(domain);
        if (e.live == null || inactive && e.persistent != null) {
            return e.persistent.xml();
        }
        String xml = e.live.xml();
        java.util.OptionalLong balloon = e.machine == null ? java.util.OptionalLong.empty() : e.machine.memoryKiB();
        if (balloon.isPresent()) {
            // libvirt's live currentMemory is the balloon's size as the guest last reported it.
            xml = xml.replaceFirst("<currentMemory unit='KiB'>[0-9]+</currentMemory>",
                    "<currentMemory unit='KiB'>" + balloon.getAsLong() + "</currentMemory>");
        }
        // libvirt marks the live definition with the domain's id.
        return xml.replaceFirst("^(<domain\\b[^>]*?\\btype='[a-z]+')", "$1 id='" + e.id + "'");
    }

    @Override
    public synchronized vmm.core.domain.DomainConsole openConsole(String domain, java.io.OutputStream guestOutput)
            throws DomainException {
        return active(domain).machine.openConsole(guestOutput);
    }

    @Override
    public List<String> problems() {
        return problems;
    }

    /** Stops every machine (the VMM is going down). */
    synchronized void stopAll() {
        shutdownTimer.close();
        for (Entry e : List.copyOf(byName.values())) {
            if (e.machine != null) {
                LOG.info("stopping domain {} with the VMM", e.current().name());
                e.machine.powerOff();
                stopped(e, StateReason.DESTROYED);
            }
        }
    }

    void fire(DomainInfo d, DomainEvent.Type type) {
        DomainEvent event = new DomainEvent(d.name(), d.definition().uuid(), type, d.state(), d.reason());
        try {
            events.accept(event);
        } catch (RuntimeException ex) {
            LOG.warn("a domain listener failed on {}: {}", event, ex.toString());
        }
    }
}
