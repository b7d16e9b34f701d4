package vmm.core.domain;

/**
 * A domain as the manager sees it at one moment.
 *
 * @param definition the definition in effect: the live one while active, else the persistent one
 * @param id         libvirt's domain id while active, -1 when inactive
 * @param state      the state
 * @param reason     why it is in that state
 * @param persistent whether a definition is stored (false: a transient domain)
 * @param autostart  whether it starts with the VMM
 * @param cpuTimeNs  CPU time used by its vCPUs, in nanoseconds (0 when inactive)
 */
public record DomainInfo(DomainDefinition definition, int id, DomainState state, StateReason reason,
        boolean persistent, boolean autostart, long cpuTimeNs) {

    public String name() {
        return definition.name();
    }

    public boolean active() {
        return state.active();
    }
}
