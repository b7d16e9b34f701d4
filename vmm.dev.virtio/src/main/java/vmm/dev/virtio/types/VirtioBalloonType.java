package vmm.dev.virtio.types;

import java.util.Map;

import org.osgi.service.component.annotations.Component;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.dev.virtio.device.VirtioBalloon;

/** {@code virtio-balloon}: settings {@code pages=N} (initial target, 4 KiB pages), {@code irq=GSI}. */
@Component(property = DeviceType.PROPERTY + "=virtio-balloon")
public final class VirtioBalloonType implements DeviceType {
    @Override
    public String name() {
        return "virtio-balloon";
    }

    @Override
    public BusDevice create(DeviceContext ctx, Map<String, String> config) {
        return PciDevices.wrap(new VirtioBalloon(ctx.name(), PciDevices.intSetting(config, "pages", 0, 0, Integer.MAX_VALUE)),
                ctx, config);
    }
}
