package vmm.core.internal.machine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.bus.Bus;
import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.core.device.IsaPorts;
import vmm.core.device.PciConfigSpace;
import vmm.core.device.PciDevice;
import vmm.core.internal.platform.PcPlatform;
import vmm.core.internal.platform.PciHostBridge;
import vmm.core.machine.DeviceSpec;

/**
 * Plugs the configured devices ({@link vmm.core.machine.MachineConfig#devices()}) into bus 0
 * as PCI functions: each takes the first free slot, its INTA# wired to the GSI the DSDT's _PRT
 * names for that slot (given to the type as {@code irq=GSI}, the convention of the virtio
 * types) and MSI to the local APICs; the host bridge maps its BARs where the guest puts them.
 * A function offering {@link IsaPorts} gets its fixed legacy ports claimed on the I/O bus.
 */
final class ConfiguredDevices implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredDevices.class);

    private final List<PciDevice> plugged = new ArrayList<>();
    private final List<Integer> gsis = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<String> typeNames = new ArrayList<>();

    /**
     * @throws IllegalArgumentException naming the device when its type is unknown, its settings
     *                                  are wrong, it is not a PCI device or the bus is full
     */
    static ConfiguredDevices plug(PciHostBridge host, Bus pio, Function<String, DeviceContext> contexts,
                                  List<DeviceSpec> specs, Collection<DeviceType> types) {
        ConfiguredDevices devices = new ConfiguredDevices();
        try {
            for (DeviceSpec spec : specs) {
                devices.plugOne(host, pio, contexts, spec, types);
            }
            devices.firmwareDefaults();
            return devices;
        } catch (RuntimeException e) {
            devices.close();
            throw e;
        }
    }

    private void plugOne(PciHostBridge host, Bus pio, Function<String, DeviceContext> contexts, DeviceSpec spec,
                         Collection<DeviceType> types) {
        DeviceType type = types.stream().filter(t -> t.name().equals(spec.type())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown device type '" + spec.type() + "' (known: "
                        + types.stream().map(DeviceType::name).sorted().toList() + ")"));
        int slot = freeSlot(host);
        if (slot < 0) {
            throw new IllegalArgumentException("PCI bus 0 is full, no slot for " + spec.type());
        }
        Map<String, String> settings = new LinkedHashMap<>(spec.settings());
        settings.putIfAbsent("irq", Integer.toString(PcPlatform.pciIntxGsi(slot, 0)));
        String name = String.format("%s@00:%02x.0", spec.type(), slot);
        BusDevice created = type.create(contexts.apply(name), settings);
        if (!(created instanceof PciDevice pci)) {
            closeQuietly(created);
            throw new IllegalArgumentException("device type '" + spec.type() + "' is not a PCI device");
        }
        List<IsaPorts.Claim> legacy = pci.facet(IsaPorts.class).map(IsaPorts::isaPorts).orElse(List.of());
        List<IsaPorts.Claim> claimed = new ArrayList<>();
        try {
            for (IsaPorts.Claim c : legacy) {
                pio.insert(name + " " + c.name(), c.device(), c.base(), c.length());
                claimed.add(c);
            }
        } catch (RuntimeException e) {
            claimed.forEach(c -> pio.remove(c.device(), c.base()));
            closeQuietly(created);
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        host.attach(slot, 0, pci);
        plugged.add(pci);
        gsis.add(PcPlatform.pciIntxGsi(slot, 0));
        names.add(name);
        typeNames.add(spec.type());
        LOG.info("machine: {} plugged in, INTA# on GSI {}", name, settings.get("irq"));
    }

    /**
     * Fills in each function's interrupt line register with its INTA# GSI, as SeaBIOS does
     * during POST: guests started without firmware read it there (a value, not a routing).
     */
    void firmwareDefaults() {
        for (int i = 0; i < plugged.size(); i++) {
            plugged.get(i).configSpace().write(PciConfigSpace.INTERRUPT_LINE, 1, gsis.get(i));
        }
    }

    /** The functions that offer {@code kind}, in slot order. */
    <T> List<T> facets(Class<T> kind) {
        return plugged.stream().flatMap(d -> d.facet(kind).stream()).toList();
    }

    /** The device types plugged in, in slot order (what a saved state must match). */
    List<String> types() {
        return List.copyOf(typeNames);
    }

    /**
     * Each function's state (its configuration space and registers), named {@code TYPE@00:SS.0}.
     *
     * @throws UnsupportedOperationException naming a device that cannot save its state
     */
    void saveState(Map<String, vmm.core.device.DeviceState> into) {
        for (int i = 0; i < plugged.size(); i++) {
            if (!(plugged.get(i) instanceof BusDevice device)) {
                throw new UnsupportedOperationException(names.get(i) + " cannot save its state");
            }
            try {
                into.put(names.get(i), device.saveState());
            } catch (UnsupportedOperationException e) {
                throw new UnsupportedOperationException(names.get(i) + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Gives each function its state back.
     *
     * @throws IllegalArgumentException naming the device whose state is missing or unreadable
     */
    void restoreState(Map<String, vmm.core.device.DeviceState> states) {
        for (int i = 0; i < plugged.size(); i++) {
            vmm.core.device.DeviceState s = states.get(names.get(i));
            if (s == null) {
                throw new IllegalArgumentException("the state lacks device " + names.get(i));
            }
            if (!(plugged.get(i) instanceof BusDevice device)) {
                throw new IllegalArgumentException(names.get(i) + " cannot restore a state");
            }
            try {
                device.restoreState(s);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                throw new IllegalArgumentException(names.get(i) + ": " + e.getMessage(), e);
            }
        }
    }

    private static int freeSlot(PciHostBridge host) {
        for (int d = 1; d < 32; d++) {
            if (host.function(d, 0) == null) {
                return d;
            }
        }
        return -1;
    }

    private static void closeQuietly(Object device) {
        if (device instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("machine: closing {} failed: {}", device, e.toString());
            }
        }
    }

    /** Closes the devices (their images and threads); they stay on the bus until the board goes. */
    @Override
    public void close() {
        for (PciDevice d : plugged) {
            closeQuietly(d);
        }
        plugged.clear();
    }
}
