package vmm.dev.virtio.types;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import vmm.core.machine.DeviceSpec;
import vmm.core.net.NetworkBackend;
import vmm.core.net.NetworkBackendType;
import vmm.dev.virtio.net.EchoPeer;
import vmm.dev.virtio.net.TestNetworkBackend;

/**
 * The test network backends as services: {@code loopback} and {@code pcap} ({@code file=},
 * {@code loop=on|off}); both take {@code peer=IPv4}, a pretend host that answers ARP and ping.
 */
final class TestBackendTypes {
    private TestBackendTypes() {
    }

    @Component(property = NetworkBackendType.PROPERTY + "=loopback")
    public static final class Loopback implements NetworkBackendType {
        @Override
        public String name() {
            return "loopback";
        }

        @Override
        public NetworkBackend open(Map<String, String> config) throws IOException {
            return new TestNetworkBackend(null, true, peer(config));
        }
    }

    @Component(property = NetworkBackendType.PROPERTY + "=pcap")
    public static final class Pcap implements NetworkBackendType {
        @Override
        public String name() {
            return "pcap";
        }

        @Override
        public NetworkBackend open(Map<String, String> config) throws IOException {
            String file = config.get("file");
            if (file == null) {
                throw new IllegalArgumentException("pcap backend needs file=PATH");
            }
            return new TestNetworkBackend(Path.of(file), DeviceSpec.flag(config, "loop"), peer(config));
        }
    }

    static EchoPeer peer(Map<String, String> config) {
        String ip = config.get("peer");
        return ip == null ? null : EchoPeer.parse(ip);
    }
}
