package vmm.core.internal.machine;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import vmm.core.device.DeviceType;
import vmm.core.hypervisor.Hypervisor;
import vmm.core.machine.AcceleratorChoice;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.MachineException;
import vmm.core.machine.MachineFactory;

/**
 * The machine factory in OSGi: follows the accelerator bundles as they come and go (a dynamic,
 * greedy reference), so a new KVM or emu bundle is used by the next machine without a restart.
 */
@Component(service = MachineFactory.class)
public final class PcMachineFactory implements MachineFactory {

    private final List<Hypervisor> hypervisors = new CopyOnWriteArrayList<>();
    private final List<DeviceType> deviceTypes = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addHypervisor(Hypervisor h) {
        hypervisors.add(h);
    }

    void removeHypervisor(Hypervisor h) {
        hypervisors.remove(h);
    }

    /** The device types configured devices are made of, as the bundles offering them come and go. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDeviceType(DeviceType t) {
        deviceTypes.add(t);
    }

    void removeDeviceType(DeviceType t) {
        deviceTypes.remove(t);
    }

    @Override
    public List<Hypervisor> accelerators() {
        return hypervisors.stream().sorted(Comparator.comparing(Hypervisor::name)).toList();
    }

    @Override
    public AcceleratorChoice choose(String name) throws MachineException {
        return AcceleratorChoice.choose(name, hypervisors);
    }

    @Override
    public Machine create(MachineConfig config) throws MachineException {
        return PcMachine.create(config, choose(config.accelerator()), List.copyOf(deviceTypes));
    }
}
