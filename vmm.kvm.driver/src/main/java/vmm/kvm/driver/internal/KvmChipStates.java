package vmm.kvm.driver.internal;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import vmm.core.device.DeviceState;
import vmm.kvm.driver.internal.abi.KvmClockData;
import vmm.kvm.driver.internal.abi.KvmIrqchip;
import vmm.kvm.driver.internal.abi.KvmPitState2;

/**
 * The in-kernel devices of a KVM VM as device states: the two PICs and the IOAPIC
 * (KVM_GET_IRQCHIP), the PIT (KVM_GET_PIT2) and the kvmclock (KVM_GET_CLOCK). The chips' bytes
 * are the kernel's own structs, which only the same kernel ABI reads back; the type names say so.
 */
final class KvmChipStates {
    static final String PIC_MASTER = "kvm-pic-master", PIC_SLAVE = "kvm-pic-slave", IOAPIC = "kvm-ioapic",
            PIT = "kvm-pit", CLOCK = "kvm-clock";
    static final String IRQCHIP_TYPE = "kvm-irqchip", PIT_TYPE = "kvm-pit-state2", CLOCK_TYPE = "kvm-clock";
    private static final String[] CHIPS = {PIC_MASTER, PIC_SLAVE, IOAPIC};

    private KvmChipStates() {
    }

    static Map<String, DeviceState> save(KvmVm vm) throws NativeCallException {
        Map<String, DeviceState> out = new LinkedHashMap<>();
        for (int chip = KvmIrqchip.KVM_IRQCHIP_PIC_MASTER; chip <= KvmIrqchip.KVM_IRQCHIP_IOAPIC; chip++) {
            out.put(CHIPS[chip], new DeviceState(IRQCHIP_TYPE, 1, vm.irqchip(chip).state()));
        }
        out.put(PIT, new DeviceState(PIT_TYPE, 1, vm.pit2().bytes()));
        out.put(CLOCK, new DeviceState(CLOCK_TYPE, 1, ByteBuffer.allocate(8).putLong(vm.clock().clock()).array()));
        return out;
    }

    /** Decodes every state first, so that a bad one is refused before the VM is touched. */
    static void restore(KvmVm vm, Map<String, DeviceState> states) throws NativeCallException {
        KvmIrqchip[] chips = new KvmIrqchip[CHIPS.length];
        for (int chip = 0; chip < CHIPS.length; chip++) {
            chips[chip] = new KvmIrqchip(chip, named(states, CHIPS[chip], IRQCHIP_TYPE));
        }
        KvmPitState2 pit = new KvmPitState2(named(states, PIT, PIT_TYPE));
        byte[] clock = named(states, CLOCK, CLOCK_TYPE);
        if (clock.length != 8) {
            throw new IllegalArgumentException(CLOCK + ": " + clock.length + " bytes, not 8");
        }
        for (KvmIrqchip chip : chips) {
            vm.setIrqchip(chip);
        }
        vm.setPit2(pit);
        vm.setClock(new KvmClockData(ByteBuffer.wrap(clock).getLong(), 0, 0, 0));
    }

    private static byte[] named(Map<String, DeviceState> states, String name, String type) {
        DeviceState s = states.get(name);
        if (s == null) {
            throw new IllegalArgumentException("the state lacks the in-kernel device " + name);
        }
        try {
            return s.require(type, 1).data();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }
}
