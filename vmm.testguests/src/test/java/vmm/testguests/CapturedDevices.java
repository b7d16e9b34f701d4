package vmm.testguests;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.dev.virtio.device.VirtioDevice;
import vmm.dev.virtio.pci.VirtioPciDevice;

/**
 * The device types on the class path (as {@code ./vmm run} finds them), each wrapped so that the
 * test keeps the device models the machine creates: the host side of a check (a balloon target,
 * console input, request counts) talks to them while the guest runs.
 */
final class CapturedDevices {
    private final Map<String, List<VirtioDevice>> created = new ConcurrentHashMap<>();
    final List<DeviceType> types;

    CapturedDevices() {
        types = ServiceLoader.load(DeviceType.class).stream().map(ServiceLoader.Provider::get)
                .map(this::capturing).toList();
    }

    private DeviceType capturing(DeviceType type) {
        return new DeviceType() {
            @Override
            public String name() {
                return type.name();
            }

            @Override
            public BusDevice create(DeviceContext ctx, Map<String, String> config) {
                BusDevice d = type.create(ctx, config);
                if (d instanceof VirtioPciDevice pci) {
                    created.computeIfAbsent(type.name(), k -> new CopyOnWriteArrayList<>()).add(pci.device());
                }
                return d;
            }
        };
    }

    /** Forgets the devices made so far (a new machine is about to make its own). */
    void forget() {
        created.clear();
    }

    /** The {@code index}-th device the machine created of {@code type}, as its model class. */
    <T extends VirtioDevice> T get(String type, int index, Class<T> model) {
        List<VirtioDevice> list = created.getOrDefault(type, List.of());
        if (index >= list.size()) {
            throw new IllegalStateException("no " + type + " #" + index + " was created (have " + created.keySet() + ")");
        }
        return model.cast(list.get(index));
    }
}
