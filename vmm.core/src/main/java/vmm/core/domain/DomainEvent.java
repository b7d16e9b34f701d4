package vmm.core.domain;

import java.util.UUID;

/**
 * Something happened to a domain (libvirt's life cycle events).
 *
 * @param name   the domain's name
 * @param uuid   the domain's UUID
 * @param type   what happened
 * @param state  the state after the event
 * @param reason the reason for that state
 */
public record DomainEvent(String name, UUID uuid, Type type, DomainState state, StateReason reason) {

    /**
     * libvirt's event kinds. {@code SHUTDOWN}: a graceful shutdown began (the domain is in
     * shutdown); {@code SHUTDOWN_TIMED_OUT} (since 1.2): the guest did not power off in time
     * and runs on.
     */
    public enum Type {
        DEFINED, UNDEFINED, STARTED, SUSPENDED, RESUMED, STOPPED, SHUTDOWN, CRASHED, AUTOSTART_CHANGED,
        SHUTDOWN_TIMED_OUT
    }
}
