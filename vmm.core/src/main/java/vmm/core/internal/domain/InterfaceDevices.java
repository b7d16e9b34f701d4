package vmm.core.internal.domain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import vmm.core.domain.DomainDefinition;
import vmm.core.domain.DomainDefinition.NetInterface;
import vmm.core.domain.DomainException;
import vmm.core.domain.DomainException.Kind;
import vmm.core.machine.DeviceSpec;

/**
 * A domain's {@code <interface>}s as the machine's NICs: each one a {@code virtio-net} PCI
 * function with the definition's MAC, its frames going to the network backend
 * ({@link vmm.core.net.NetworkBackendType}) that the interface type names ({@code user},
 * {@code network}, {@code bridge}: the network modes' bundles register them), or to the one
 * vmm's own {@code <backend type='NAME' .../>} names (the test backends {@code loopback} and
 * {@code pcap}). What cannot be attached is an error naming the interface, before anything starts.
 */
final class InterfaceDevices {
    /** Where each interface type's backend comes from, for the error that says what to install. */
    private static final Map<String, String> PROVIDERS = Map.of(
            "user", "vmm.net.nat", "network", "vmm.net.nat", "bridge", "vmm.net.bridge");

    private InterfaceDevices() {
    }

    /**
     * @param hasBackend whether a network backend of that name is registered now
     * @return one {@code virtio-net} device per interface, in document order
     */
    static List<DeviceSpec> of(DomainDefinition def, Predicate<String> hasBackend) throws DomainException {
        List<DeviceSpec> specs = new ArrayList<>();
        List<NetInterface> nics = def.interfaces();
        for (int i = 0; i < nics.size(); i++) {
            NetInterface nic = nics.get(i);
            String path = "/domain/devices/interface[" + (i + 1) + "]";
            if (nic.model() != null && !nic.model().equals("virtio")) {
                throw new DomainException(Kind.UNSUPPORTED, "unsupported configuration: " + path + "/model: model type '"
                        + nic.model() + "' is not supported; the machine's NICs are virtio-net (<model type='virtio'/>)");
            }
            String backend = nic.backend().getOrDefault("type", nic.type());
            if (!hasBackend.test(backend)) {
                String provider = PROVIDERS.get(backend);
                throw new DomainException(Kind.UNSUPPORTED, "unsupported configuration: " + path + " (type '" + nic.type()
                        + "', MAC " + nic.mac() + "): no network backend '" + backend + "' is installed"
                        + (provider != null ? "; install the bundle that provides it (" + provider
                                + ", e.g. into STATE/deploy/)" : "")
                        + ", or attach the interface to a test backend with <backend type='loopback'/>"
                        + " (or type='pcap' file='PATH') inside it");
            }
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("mac", nic.mac());
            if (nic.source() != null) {
                settings.put("source", nic.source());
            }
            nic.backend().forEach((k, v) -> {
                if (!k.equals("type")) {
                    settings.put(k, v);
                }
            });
            settings.put("backend", backend);
            specs.add(new DeviceSpec("virtio-net", settings));
        }
        return specs;
    }
}
