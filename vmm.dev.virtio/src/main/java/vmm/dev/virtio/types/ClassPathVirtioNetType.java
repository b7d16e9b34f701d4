package vmm.dev.virtio.types;

import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.core.net.NetworkBackendType;

/**
 * {@code virtio-net} for a plain class path ({@code ./vmm run}), found with ServiceLoader: this
 * bundle's test backends ({@code loopback}, {@code pcap}) and any network backend another jar
 * registers with ServiceLoader, where Declarative Services would inject them.
 */
public final class ClassPathVirtioNetType implements DeviceType {
    private static final Logger LOG = LoggerFactory.getLogger(ClassPathVirtioNetType.class);
    private final VirtioNetType type = new VirtioNetType();

    public ClassPathVirtioNetType() {
        type.addBackend(new TestBackendTypes.Loopback());
        type.addBackend(new TestBackendTypes.Pcap());
        var it = ServiceLoader.load(NetworkBackendType.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                type.addBackend(it.next());
            } catch (ServiceConfigurationError e) {
                LOG.warn("virtio-net: a network backend could not be loaded: {}", e.getMessage());
            }
        }
    }

    @Override
    public String name() {
        return type.name();
    }

    @Override
    public BusDevice create(DeviceContext ctx, Map<String, String> config) {
        return type.create(ctx, config);
    }
}
