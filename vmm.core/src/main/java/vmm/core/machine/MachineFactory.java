package vmm.core.machine;

import java.util.List;

import vmm.core.hypervisor.Hypervisor;

/** The OSGi service that builds machines on the accelerators registered in the framework. */
public interface MachineFactory {

    /** The registered accelerators, by name. */
    List<Hypervisor> accelerators();

    /** What {@code name} (or auto) would pick now, and why. */
    AcceleratorChoice choose(String name) throws MachineException;

    /** Builds a machine (not started). */
    Machine create(MachineConfig config) throws MachineException;
}
