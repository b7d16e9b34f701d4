package vmm.core.machine;

import java.util.Collection;

import vmm.core.device.DeviceType;
import vmm.core.hypervisor.Hypervisor;

/** Builds machines without OSGi: the caller passes the accelerators (from ServiceLoader, say). */
public final class Machines {

    private Machines() {
    }

    /** Picks the accelerator of {@code config} from {@code accelerators} and builds the machine (not started). */
    public static Machine create(MachineConfig config, Collection<Hypervisor> accelerators) throws MachineException {
        AcceleratorChoice choice = AcceleratorChoice.choose(config.accelerator(), accelerators);
        return vmm.core.internal.machine.PcMachine.create(config, choice);
    }

    /** As {@link #create(MachineConfig, Collection)}; the configured devices' types are looked up in {@code deviceTypes}. */
    public static Machine create(MachineConfig config, Collection<Hypervisor> accelerators,
                                 Collection<DeviceType> deviceTypes) throws MachineException {
        AcceleratorChoice choice = AcceleratorChoice.choose(config.accelerator(), accelerators);
        return vmm.core.internal.machine.PcMachine.create(config, choice, deviceTypes);
    }
}
