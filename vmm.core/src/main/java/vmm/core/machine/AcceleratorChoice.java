package vmm.core.machine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

import vmm.core.hypervisor.Hypervisor;
import vmm.core.hypervisor.HypervisorStatus;

/**
 * The accelerator a machine runs on and why: asked for by name, or picked by {@code auto}
 * (KVM when its status says it is available, else the software CPU {@code emu}).
 */
public record AcceleratorChoice(Hypervisor hypervisor, String reason) {

    /** The name that picks automatically. */
    public static final String AUTO = "auto";

    /**
     * Picks from {@code available} by {@code name} ({@code kvm}, {@code emu}, or
     * {@link #AUTO}; null means auto).
     *
     * @throws MachineException no accelerator of that name, or none usable; the message lists
     *                          what there is and each one's status
     */
    public static AcceleratorChoice choose(String name, Collection<Hypervisor> available) throws MachineException {
        List<Hypervisor> all = new ArrayList<>(available);
        all.sort(Comparator.comparing(Hypervisor::name));
        if (name == null || name.isBlank() || name.equals(AUTO)) {
            Hypervisor kvm = find(all, "kvm");
            String kvmWhy;
            if (kvm != null) {
                HypervisorStatus s = kvm.status();
                if (s.available()) {
                    return new AcceleratorChoice(kvm, "auto: kvm is available (" + s.detail() + ")");
                }
                kvmWhy = "kvm is unavailable (" + s.detail() + ")";
            } else {
                kvmWhy = "no kvm accelerator is installed";
            }
            Hypervisor emu = find(all, "emu");
            if (emu != null && emu.status().available()) {
                return new AcceleratorChoice(emu, "auto: " + kvmWhy + ", so the software CPU emu");
            }
            throw new MachineException("no usable accelerator: " + kvmWhy + "; "
                    + (emu == null ? "no emu accelerator is installed" : "emu: " + emu.status().detail()));
        }
        Hypervisor h = find(all, name);
        if (h == null) {
            throw new MachineException("no accelerator named '" + name + "' (installed: "
                    + all.stream().map(Hypervisor::name).toList() + ", or auto)");
        }
        HypervisorStatus s = h.status();
        if (!s.available()) {
            throw new MachineException("accelerator " + name + " cannot run guests here: " + s.detail());
        }
        return new AcceleratorChoice(h, "asked for " + name + " (" + s.detail() + ")");
    }

    private static Hypervisor find(List<Hypervisor> all, String name) {
        return all.stream().filter(h -> h.name().equals(name)).findFirst().orElse(null);
    }

    /** The accelerator's name. */
    public String name() {
        return hypervisor.name();
    }
}
