package vmm.kvm.driver.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.HypervisorException;
import vmm.core.hypervisor.VmPlatform;
import vmm.core.memory.MemoryRegion;
import vmm.kvm.driver.internal.abi.KvmIrqRoute;
import vmm.kvm.driver.internal.abi.KvmMsi;

/**
 * A KVM VM behind the accelerator SPI: the in-kernel irqchip (PICs, IOAPIC, local APICs) and
 * PIT, one memory slot per RAM region of the machine's guest memory (KVM reads and writes the
 * same host pages the devices use), and the CPUID KVM supports on every vCPU.
 */
final class KvmAcceleratedVm implements AcceleratedVm {

    private static final Logger LOG = LoggerFactory.getLogger(KvmAcceleratedVm.class);
    /** Where VMX keeps its real-mode TSS and identity map: reserved in the PC's BIOS area. */
    static final long TSS_ADDRESS = 0xfffb_d000L, IDENTITY_MAP_ADDRESS = 0xfeff_c000L;
    static final int PIT_SPEAKER_DUMMY = 1;

    private final KvmSystem kvm;
    private final KvmVm vm;
    private final VmPlatform platform;
    private final Arena arena;
    private final MemorySegment cpuid;

    private KvmAcceleratedVm(KvmSystem kvm, KvmVm vm, VmPlatform platform, Arena arena, MemorySegment cpuid) {
        this.arena = arena;
        this.kvm = kvm;
        this.vm = vm;
        this.platform = platform;
        this.cpuid = cpuid;
    }

    static KvmAcceleratedVm create(String device, VmPlatform platform) throws HypervisorException {
        KvmSystem kvm;
        try {
            kvm = KvmSystem.open(device);
        } catch (NativeCallException | KvmException e) {
            throw new HypervisorException("kvm: " + e.getMessage(), e);
        }
        KvmVm vm = null;
        Arena arena = Arena.ofShared();
        String step = "KVM_CREATE_VM";
        try {
            vm = kvm.createVm();
            KvmVm v = vm;
            optional("KVM_SET_TSS_ADDR", () -> v.setTssAddr(TSS_ADDRESS));
            optional("KVM_SET_IDENTITY_MAP_ADDR", () -> v.setIdentityMapAddr(IDENTITY_MAP_ADDRESS));
            step = "KVM_CREATE_IRQCHIP";
            vm.createIrqchip();
            step = "KVM_SET_GSI_ROUTING";
            vm.setGsiRouting(pcRouting());
            step = "KVM_CREATE_PIT2";
            vm.createPit2(PIT_SPEAKER_DUMMY);
            int slot = 0;
            for (MemoryRegion r : platform.memory().regions()) {
                step = "KVM_SET_USER_MEMORY_REGION slot " + slot;
                vm.setUserMemoryRegion(slot++, 0, r.guestAddress(), platform.memory().slice(r.guestAddress(), r.size()));
            }
            step = "KVM_GET_SUPPORTED_CPUID";
            MemorySegment cpuid = kvm.supportedCpuid(arena);
            LOG.info("kvm VM: {} memory slot(s), in-kernel irqchip and PIT", slot);
            return new KvmAcceleratedVm(kvm, vm, platform, arena, cpuid);
        } catch (NativeCallException | RuntimeException e) {
            if (vm != null) {
                KvmSystem.closeAfterFailure(vm, e);
            }
            KvmSystem.closeAfterFailure(kvm, e);
            arena.close();
            throw new HypervisorException("kvm: " + step + " failed: " + e.getMessage(), e);
        }
    }

    static final int PIC_MASTER = 0, PIC_SLAVE = 1, IOAPIC = 2, IOAPIC_PINS = 24;

    /**
     * QEMU's routing for a PC: ISA IRQs 0-15 to the PICs (except the cascade, 2) and to the
     * IOAPIC pin of the same number, except IRQ 0 (the PIT), which is wired to pin 2 as the
     * MADT's interrupt source override says; GSIs 16-23 to the IOAPIC only.
     */
    static List<KvmIrqRoute> pcRouting() {
        List<KvmIrqRoute> routes = new ArrayList<>();
        for (int gsi = 0; gsi < 16; gsi++) {
            if (gsi != 2) {
                routes.add(new KvmIrqRoute.Irqchip(gsi, gsi < 8 ? PIC_MASTER : PIC_SLAVE, gsi & 7));
            }
        }
        for (int gsi = 0; gsi < IOAPIC_PINS; gsi++) {
            if (gsi == 0) {
                routes.add(new KvmIrqRoute.Irqchip(0, IOAPIC, 2));
            } else if (gsi != 2) {
                routes.add(new KvmIrqRoute.Irqchip(gsi, IOAPIC, gsi));
            }
        }
        return routes;
    }

    private interface Call {
        void run() throws NativeCallException;
    }

    /** Intel-only setup: other hosts (AMD, PVM) may refuse it, which costs nothing there; logged. */
    private static void optional(String step, Call call) {
        try {
            call.run();
        } catch (NativeCallException e) {
            LOG.info("kvm: {} refused ({}); only Intel VMX real mode needs it", step, e.getMessage());
        }
    }

    @Override
    public AcceleratedVcpu createVcpu(int index) throws HypervisorException {
        try {
            KvmVcpu vcpu = vm.createVcpu(index);
            vcpu.setCpuid2(cpuid);
            return new KvmAcceleratedVcpu(index, vcpu, platform);
        } catch (NativeCallException | RuntimeException e) {
            throw new HypervisorException("kvm: creating vCPU " + index + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void setIrqLine(int gsi, boolean level) {
        try {
            vm.irqLine(gsi, level);
        } catch (NativeCallException e) {
            throw new IllegalStateException("KVM_IRQ_LINE gsi " + gsi + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void signalMsi(long address, int data) {
        try {
            vm.signalMsi(KvmMsi.of(address, data));
        } catch (NativeCallException e) {
            throw new IllegalStateException("KVM_SIGNAL_MSI: " + e.getMessage(), e);
        }
    }

    @Override
    public java.util.Map<String, vmm.core.device.DeviceState> saveInKernelDevices() {
        try {
            return KvmChipStates.save(vm);
        } catch (NativeCallException e) {
            throw new UnsupportedOperationException("kvm: " + e.getMessage(), e);
        }
    }

    @Override
    public void restoreInKernelDevices(java.util.Map<String, vmm.core.device.DeviceState> states) {
        try {
            KvmChipStates.restore(vm, states);
        } catch (NativeCallException e) {
            throw new IllegalArgumentException("kvm: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            vm.close();
        } catch (NativeCallException e) {
            LOG.warn("kvm: closing the VM: {}", e.getMessage());
        }
        try {
            kvm.close();
        } catch (NativeCallException e) {
            LOG.warn("kvm: closing /dev/kvm: {}", e.getMessage());
        }
        arena.close();
    }
}
