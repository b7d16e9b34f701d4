package vmm.core.domain;

/**
 * Receives domain events. Register one as an OSGi service and the {@link DomainManager} calls
 * it after each change, on the thread that made the change: return quickly, never block.
 */
@FunctionalInterface
public interface DomainListener {

    void domainChanged(DomainEvent event);
}
