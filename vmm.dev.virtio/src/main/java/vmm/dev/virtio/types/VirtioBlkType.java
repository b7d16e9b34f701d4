package vmm.dev.virtio.types;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.OpenOptions;
import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.core.machine.DeviceSpec;
import vmm.dev.virtio.device.VirtioBlk;

/**
 * {@code virtio-blk}: settings {@code image=FILE} or {@code file=FILE} (QEMU's name; required),
 * {@code format=raw|qcow2} (probed when absent), {@code readonly=on|true}, {@code serial=ID}, {@code queues=N}, {@code irq=GSI}.
 */
@Component(property = DeviceType.PROPERTY + "=virtio-blk")
public final class VirtioBlkType implements DeviceType {
    private volatile BlockFormats formats;

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setFormats(BlockFormats f) {
        formats = f;
    }

    void unsetFormats(BlockFormats f) {
        if (formats == f) {
            formats = null;
        }
    }

    @Override
    public String name() {
        return "virtio-blk";
    }

    @Override
    public BusDevice create(DeviceContext ctx, Map<String, String> config) {
        String image = config.getOrDefault("image", config.get("file"));
        if (image == null) {
            throw new IllegalArgumentException("virtio-blk needs file=FILE");
        }
        BlockFormats f = formats;
        if (f == null) {
            throw new IllegalStateException("virtio-blk: no disk formats available");
        }
        boolean ro = DeviceSpec.flag(config, "readonly");
        BlockImage img;
        try {
            img = f.open(Path.of(image), config.get("format"), ro ? OpenOptions.readOnlyImage() : OpenOptions.readWrite());
        } catch (IOException e) {
            throw new UncheckedIOException("virtio-blk: " + e.getMessage(), e);
        }
        VirtioBlk blk = new VirtioBlk(ctx.name(), img, config.getOrDefault("serial", ctx.name()),
                PciDevices.intSetting(config, "queues", 1, 1, 64), 4);
        return PciDevices.wrap(blk, ctx, config);
    }
}
