package vmm.kvm.driver.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import vmm.core.device.DeviceState;
import vmm.kvm.driver.internal.abi.KvmIrqchip;
import vmm.kvm.driver.internal.abi.KvmPitConfig;

/**
 * The in-kernel chips read out of one real KVM VM and written into a fresh one: the second
 * reads back what the first held (an IOAPIC id changed on purpose, so it is not the reset state).
 */
class KvmChipStatesTest {

    private static KvmVm vm(KvmSystem kvm) throws NativeCallException {
        KvmVm vm = kvm.createVm();
        vm.createIrqchip();
        vm.createPit2(KvmPitConfig.KVM_PIT_SPEAKER_DUMMY);
        return vm;
    }

    @Test
    void chipsGoFromOneVmIntoAnother() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of(KvmSystem.DEVICE)), "no " + KvmSystem.DEVICE + " on this host");
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEVICE); KvmVm a = vm(kvm); KvmVm b = vm(kvm)) {
            byte[] ioapic = a.irqchip(KvmIrqchip.KVM_IRQCHIP_IOAPIC).state();
            ioapic[12] = 5; // kvm_ioapic_state.id, at offset 12 (the guest reads it in bits 24-27)
            a.setIrqchip(new KvmIrqchip(KvmIrqchip.KVM_IRQCHIP_IOAPIC, ioapic));
            Map<String, DeviceState> saved = KvmChipStates.save(a);
            assertEquals(java.util.List.of("kvm-pic-master", "kvm-pic-slave", "kvm-ioapic", "kvm-pit", "kvm-clock"),
                    java.util.List.copyOf(saved.keySet()));
            KvmChipStates.restore(b, saved);
            Map<String, DeviceState> again = KvmChipStates.save(b);
            for (String chip : new String[] {"kvm-pic-master", "kvm-pic-slave", "kvm-ioapic"}) {
                assertArrayEquals(saved.get(chip).data(), again.get(chip).data(), chip);
            }
            assertEquals(5, again.get("kvm-ioapic").data()[12]);
            // The channels' modes and counts; count_load_time is the kernel's own clock.
            for (int ch = 0; ch < 3; ch++) {
                assertArrayEquals(Arrays.copyOfRange(saved.get("kvm-pit").data(), ch * 24, ch * 24 + 16),
                        Arrays.copyOfRange(again.get("kvm-pit").data(), ch * 24, ch * 24 + 16), "PIT channel " + ch);
            }
            long before = java.nio.ByteBuffer.wrap(saved.get("kvm-clock").data()).getLong();
            long after = java.nio.ByteBuffer.wrap(again.get("kvm-clock").data()).getLong();
            assertTrue(after >= before && after - before < 5_000_000_000L, before + " then " + after);
        }
    }

    @Test
    void aMissingOrForeignStateIsRefusedBeforeTheVmIsTouched() throws Exception {
        Map<String, DeviceState> states = new LinkedHashMap<>();
        var e = assertThrows(IllegalArgumentException.class, () -> KvmChipStates.restore(null, states));
        assertEquals("the state lacks the in-kernel device kvm-pic-master", e.getMessage());
        for (String chip : new String[] {"kvm-pic-master", "kvm-pic-slave", "kvm-ioapic"}) {
            states.put(chip, new DeviceState("kvm-irqchip", 1, new byte[512]));
        }
        states.put("kvm-pit", new DeviceState("serial-16550", 1, new byte[112]));
        e = assertThrows(IllegalArgumentException.class, () -> KvmChipStates.restore(null, states));
        assertEquals("kvm-pit: state of device type serial-16550 given to kvm-pit-state2", e.getMessage());
        states.put("kvm-pit", new DeviceState("kvm-pit-state2", 1, new byte[112]));
        states.put("kvm-clock", new DeviceState("kvm-clock", 1, new byte[4]));
        e = assertThrows(IllegalArgumentException.class, () -> KvmChipStates.restore(null, states));
        assertEquals("kvm-clock: 4 bytes, not 8", e.getMessage());
    }
}
