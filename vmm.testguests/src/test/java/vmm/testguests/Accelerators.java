package vmm.testguests;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.hypervisor.Hypervisor;

/** The accelerators on the test class path, found as ./vmm run finds them (ServiceLoader). */
final class Accelerators {

    private static final Logger LOG = LoggerFactory.getLogger(Accelerators.class);
    private static List<Hypervisor> all;

    private Accelerators() {
    }

    static synchronized List<Hypervisor> all() {
        if (all == null) {
            List<Hypervisor> found = new ArrayList<>();
            var it = ServiceLoader.load(Hypervisor.class).iterator();
            while (true) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    found.add(it.next());
                } catch (ServiceConfigurationError e) {
                    LOG.warn("an accelerator could not be loaded: {}", e.getMessage());
                }
            }
            all = List.copyOf(found);
        }
        return all;
    }

    static Optional<Hypervisor> named(String name) {
        return all().stream().filter(h -> h.name().equals(name)).findFirst();
    }

    /** Why {@code name} cannot run guests here, or empty when it can. */
    static Optional<String> unusable(String name) {
        Optional<Hypervisor> h = named(name);
        if (h.isEmpty()) {
            return Optional.of("no '" + name + "' accelerator on the class path (found: "
                    + all().stream().map(Hypervisor::name).toList() + ")");
        }
        var status = h.get().status();
        return status.available() ? Optional.empty() : Optional.of(name + ": " + status.detail());
    }
}
