package vmm.core.internal.domain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainEvent;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainException.Kind;
import vmm.core.domain.DomainInfo;
import vmm.core.domain.DomainRunner;
import vmm.core.domain.DomainState;
import vmm.core.domain.RunAfterRestore;
import vmm.core.domain.StateReason;

/**
 * The domain table's save side: virsh save and restore, and the VM state of snapshots
 * (checkpoint and revert), in {@link SaveFile}s. Under the table's lock, as every change.
 */
abstract class SavingDomains extends Domains {
    private static final Logger LOG = LoggerFactory.getLogger(SavingDomains.class);

    SavingDomains(DomainStore store, Supplier<DomainRunner> runner, Consumer<DomainEvent> events) {
        super(store, runner, events);
    }

    @Override
    public void save(String domain, Path file, RunAfterRestore after) throws DomainException {
        DomainInfo result;
        synchronized (this) {
            Entry e = active(domain);
            boolean paused = after == RunAfterRestore.PAUSED
                    || after == RunAfterRestore.AS_SAVED && e.state == DomainState.PAUSED;
            writeState(e, file, paused);
            LOG.info("domain {} saved to {}", e.live.name(), file);
            stopMachine(e);
            DomainInfo last = info(e);
            stopped(e, StateReason.SAVED);
            result = new DomainInfo(last.definition(), -1, DomainState.SHUTOFF, StateReason.SAVED,
                    e.persistent != null, e.autostart, 0);
        }
        fire(result, DomainEvent.Type.STOPPED);
    }

    /** Writes an active domain's state to {@code file}; on failure the domain runs on as before. */
    private static void writeState(Entry e, Path file, boolean paused) throws DomainException {
        boolean wasPaused = e.state == DomainState.PAUSED;
        try {
            SaveFile.write(file, new SaveFile.Head(e.live.xml(), paused), e.machine::saveState);
        } catch (DomainException ex) {
            if (!wasPaused) {
                e.machine.resume();
            }
            throw ex;
        }
    }

    /** Stops the machine and waits until it let go of its disks. */
    private static void stopMachine(Entry e) throws DomainException {
        e.machine.powerOff();
        try {
            if (!e.machine.awaitReleased(30_000)) {
                throw new DomainException(Kind.FAILED, "internal error: the machine did not release its resources");
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new DomainException(Kind.FAILED, "interrupted while the machine stopped", ex);
        }
    }

    /** Starts row {@code e}'s machine from an opened save file (under the lock). */
    private void resume(Entry e, DomainDefinition def, SaveFile.Opened file, boolean paused) throws DomainException {
        DomainRunner r = runner.get();
        if (r == null) {
            throw new DomainException(Kind.UNSUPPORTED,
                    "this function is not supported by the connection driver: no machine is installed to run domains");
        }
        e.machine = r.restore(def, file.in(), paused, (exit, detail) -> exited(e, exit, detail));
    }

    @Override
    public DomainInfo restore(Path file, RunAfterRestore after) throws DomainException {
        DomainInfo result;
        boolean paused;
        try (SaveFile.Opened opened = SaveFile.open(file)) {
            DomainDefinition def = DomainXmlParser.parse(opened.head().xml());
            paused = after == RunAfterRestore.PAUSED || after == RunAfterRestore.AS_SAVED && opened.head().paused();
            synchronized (this) {
                Entry e = matching(def);
                if (e != null && e.state.active()) {
                    throw new DomainException(Kind.INVALID_OPERATION,
                            "Requested operation is not valid: domain '" + def.name() + "' is already active");
                }
                Entry row = e == null ? new Entry() : e;
                resume(row, def, opened, paused);
                started(row, def, paused ? DomainState.PAUSED : DomainState.RUNNING,
                        paused ? StateReason.USER : StateReason.RESTORED);
                result = info(row);
            }
        } catch (IOException ex) {
            throw new DomainException(Kind.FAILED, "cannot read " + file + ": " + ex, ex);
        }
        LOG.info("domain {} restored from {}", result.name(), file);
        fire(result, paused ? DomainEvent.Type.SUSPENDED : DomainEvent.Type.STARTED);
        return result;
    }

    /** A machine was started for row {@code e} from a file: its live definition, id and state. */
    private void started(Entry e, DomainDefinition def, DomainState state, StateReason reason) {
        e.live = def;
        store.setRunning(def, true);
        e.id = nextId++;
        setState(e, state, reason);
        byName.putIfAbsent(def.name(), e);
    }

    @Override
    public void checkpoint(String domain, Path file, StoppedWork work) throws DomainException {
        synchronized (this) {
            Entry e = active(domain);
            boolean paused = e.state == DomainState.PAUSED;
            writeState(e, file, paused);
            stopMachine(e);
            IOException failed = null;
            try {
                work.run();
            } catch (IOException ex) {
                failed = ex;
            }
            try (SaveFile.Opened opened = SaveFile.open(file)) {
                resume(e, e.live, opened, paused);
            } catch (IOException | DomainException | RuntimeException ex) {
                // The state is in the file: the domain is shut off, and can be restored from there.
                LOG.error("domain {} could not go on after its snapshot: {}", e.live.name(), ex.toString());
                stopped(e, StateReason.FAILED);
                throw new DomainException(Kind.FAILED, "the domain could not go on from " + file + ": "
                        + ex.getMessage(), ex);
            }
            if (failed != null) {
                throw new DomainException(Kind.FAILED, failed.getMessage(), failed);
            }
        }
    }

    @Override
    public DomainInfo revert(String domain, Path file, StoppedWork work) throws DomainException {
        DomainInfo result;
        boolean paused;
        try (SaveFile.Opened opened = SaveFile.open(file)) {
            DomainDefinition def = DomainXmlParser.parse(opened.head().xml());
            paused = opened.head().paused();
            synchronized (this) {
                Entry e = require(domain);
                if (!def.uuid().equals(e.current().uuid())) {
                    throw new DomainException(Kind.INVALID_OPERATION, file + " holds domain " + def.uuid() + ", not "
                            + e.current().uuid());
                }
                if (e.state.active()) {
                    stopMachine(e);
                    stopped(e, StateReason.DESTROYED);
                }
                work.run();
                resume(e, def, opened, paused);
                started(e, def, paused ? DomainState.PAUSED : DomainState.RUNNING, StateReason.FROM_SNAPSHOT);
                result = info(e);
            }
        } catch (IOException ex) {
            throw new DomainException(Kind.FAILED, ex.getMessage(), ex);
        }
        fire(result, paused ? DomainEvent.Type.SUSPENDED : DomainEvent.Type.STARTED);
        return result;
    }

}
