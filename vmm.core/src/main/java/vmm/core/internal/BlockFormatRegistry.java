package vmm.core.internal;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.block.BlockFormat;
import vmm.core.block.BlockFormats;

/**
 * The formats present in the framework right now. Format bundles come and go (hot deploy),
 * so the reference is dynamic and greedy: a newer provider replaces the old one at once.
 */
@Component(service = BlockFormats.class)
public final class BlockFormatRegistry implements BlockFormats {
    private static final Logger LOG = LoggerFactory.getLogger(BlockFormatRegistry.class);

    private final List<BlockFormat> formats = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addFormat(BlockFormat format) {
        formats.add(format);
        LOG.info("disk format '{}' available ({})", format.name(), format.getClass().getName());
    }

    void removeFormat(BlockFormat format) {
        formats.remove(format);
        LOG.info("disk format '{}' withdrawn", format.name());
    }

    @Override
    public Optional<BlockFormat> byName(String name) {
        return formats.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    @Override
    public Collection<BlockFormat> all() {
        return List.copyOf(formats);
    }
}
