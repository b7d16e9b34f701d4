package vmm.dev.virtio.types;

import java.util.Map;

import org.osgi.service.component.annotations.Component;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.dev.virtio.device.VirtioRng;

/** {@code virtio-rng}: settings {@code irq=GSI}. */
@Component(property = DeviceType.PROPERTY + "=virtio-rng")
public final class VirtioRngType implements DeviceType {
    @Override
    public String name() {
        return "virtio-rng";
    }

    @Override
    public BusDevice create(DeviceContext ctx, Map<String, String> config) {
        return PciDevices.wrap(new VirtioRng(ctx.name()), ctx, config);
    }
}
