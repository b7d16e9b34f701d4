package vmm.core.internal.domain;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.domain.DomainListener;
import vmm.core.domain.DomainManager;
import vmm.core.domain.DomainRunner;
import vmm.core.state.VmmHome;

/**
 * The {@link DomainManager} service over the state folder's {@code domains/}. The machine
 * ({@link DomainRunner}) and the listeners are dynamic: a new machine bundle is used for the
 * next start, without restarting the VMM.
 */
@Component(service = DomainManager.class)
public final class DomainManagerComponent extends SavingDomains {
    private static final Logger LOG = LoggerFactory.getLogger(DomainManagerComponent.class);

    /** Shared with the superclass's callbacks, which exist before this object's fields. */
    private static final class Bindings {
        final AtomicReference<DomainRunner> runner = new AtomicReference<>();
        final List<DomainListener> listeners = new CopyOnWriteArrayList<>();
    }

    private final Bindings bindings;
    /** Only the daemon starts autostart domains: a short-lived command process must not. */
    private volatile boolean autostartPending;

    @Activate
    public DomainManagerComponent(BundleContext context) {
        this(new Bindings(), VmmHome.fromProperty(context.getProperty(VmmHome.PROPERTY)));
        autostartPending = Boolean.parseBoolean(context.getProperty("vmm.daemon"));
        String timeout = context.getProperty(SHUTDOWN_TIMEOUT_PROPERTY);
        if (timeout != null) {
            try {
                long seconds = Long.parseLong(timeout.strip());
                if (seconds <= 0) {
                    throw new NumberFormatException("not positive");
                }
                setShutdownTimeout(java.time.Duration.ofSeconds(seconds));
            } catch (NumberFormatException e) {
                LOG.error("{}={}: not a positive number of seconds; shutdowns wait {} s", SHUTDOWN_TIMEOUT_PROPERTY,
                        timeout, DEFAULT_SHUTDOWN_TIMEOUT.toSeconds());
            }
        }
    }

    /** Seconds a graceful shutdown waits for the guest to power off (framework or system property). */
    public static final String SHUTDOWN_TIMEOUT_PROPERTY = "vmm.shutdown.timeout";

    /** Starts the autostart domains once, when the daemon has a machine to run them on. */
    private void autostart() {
        if (!autostartPending) {
            return;
        }
        autostartPending = false;
        for (var d : list()) {
            if (d.autostart() && !d.active()) {
                try {
                    start(d.definition().uuid().toString());
                    LOG.info("autostarted domain {}", d.name());
                } catch (vmm.core.domain.DomainException e) {
                    LOG.error("cannot autostart domain {}: {}", d.name(), e.getMessage());
                }
            }
        }
    }

    private DomainManagerComponent(Bindings b, VmmHome home) {
        super(new DomainStore(home.domains()), b.runner::get, event -> {
            for (DomainListener l : b.listeners) {
                try {
                    l.domainChanged(event);
                } catch (RuntimeException ex) {
                    LOG.warn("domain listener {} failed on {}: {}", l, event, ex.toString());
                }
            }
        });
        this.bindings = b;
        LOG.info("domains: {} defined in {}", list().size(), home.domains());
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setRunner(DomainRunner r) {
        bindings.runner.set(r);
        autostart();
    }

    void unsetRunner(DomainRunner r) {
        bindings.runner.compareAndSet(r, null);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(DomainListener l) {
        bindings.listeners.add(l);
    }

    void removeListener(DomainListener l) {
        bindings.listeners.remove(l);
    }

    @Deactivate
    void deactivate() {
        stopAll();
    }
}
