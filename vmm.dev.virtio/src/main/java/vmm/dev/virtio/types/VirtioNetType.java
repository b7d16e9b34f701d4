package vmm.dev.virtio.types;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.core.net.NetworkBackendType;
import vmm.dev.virtio.device.VirtioNet;

/**
 * {@code virtio-net}: settings {@code mac=52:54:00:..}, {@code backend=NAME} (a
 * {@link NetworkBackendType} service, default {@code loopback}; the whole settings map goes to
 * it), {@code irq=GSI}. Backends come and go with their bundles.
 */
@Component(property = DeviceType.PROPERTY + "=virtio-net")
public final class VirtioNetType implements DeviceType {
    private final Map<String, NetworkBackendType> backends = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addBackend(NetworkBackendType type) {
        backends.put(type.name(), type);
    }

    void removeBackend(NetworkBackendType type) {
        backends.remove(type.name(), type);
    }

    @Override
    public String name() {
        return "virtio-net";
    }

    @Override
    public BusDevice create(DeviceContext ctx, Map<String, String> config) {
        String name = config.getOrDefault("backend", "loopback");
        NetworkBackendType type = backends.get(name);
        if (type == null) {
            throw new IllegalArgumentException("virtio-net: no network backend '" + name + "' (present: "
                    + backends.keySet() + ")");
        }
        try {
            VirtioNet net = new VirtioNet(ctx.name(), VirtioNet.parseMac(config.getOrDefault("mac", "52:54:00:12:34:56")),
                    type.open(config));
            return PciDevices.wrap(net, ctx, config);
        } catch (IOException e) {
            throw new UncheckedIOException("virtio-net: backend " + name + ": " + e.getMessage(), e);
        }
    }
}
