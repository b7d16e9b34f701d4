package vmm.dev.ide;

import java.util.Map;
import java.util.ServiceLoader;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockFormats;
import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;

/**
 * {@code ide} for a plain class path ({@code ./vmm run}), found with ServiceLoader: the disk
 * formats come from ServiceLoader too, where Declarative Services would inject them.
 */
public final class ClassPathIdeType implements DeviceType {
    private final IdeType type = new IdeType();

    public ClassPathIdeType() {
        type.setFormats(BlockFormats.of(ServiceLoader.load(BlockFormat.class).stream()
                .map(ServiceLoader.Provider::get).toArray(BlockFormat[]::new)));
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
