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

    /** libvirt's event kinds. */
    public enum Type {
        DEFINED, UNDEFINED, STARTED, SUSPENDED, RESUMED, STOPPED, SHUTDOWN, CRASHED, AUTOSTART_CHANGED
    }
}
