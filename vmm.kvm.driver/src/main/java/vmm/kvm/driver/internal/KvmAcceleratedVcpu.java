package vmm.kvm.driver.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.VmPlatform;
import vmm.core.hypervisor.state.VcpuState;
import vmm.core.memory.GuestMemoryException;
import vmm.kvm.driver.internal.abi.KvmLapicState;
import vmm.kvm.driver.internal.abi.KvmMpState;
import vmm.kvm.driver.internal.abi.KvmMsrEntry;

/**
 * A KVM vCPU behind the SPI: KVM_RUN in a loop that serves port and MMIO exits from the
 * platform's buses and returns for everything the machine must decide. Errors of the ioctls
 * become {@link vmm.core.hypervisor.VcpuExit.InternalError}, never an exception out of run().
 */
final class KvmAcceleratedVcpu implements AcceleratedVcpu {

    private static final Logger LOG = LoggerFactory.getLogger(KvmAcceleratedVcpu.class);
    /** The MSRs a state carries: SYSENTER, SYSCALL targets, KERNEL_GS_BASE, TSC_AUX, PAT, MISC_ENABLE. */
    static final int[] MSRS = {0x174, 0x175, 0x176, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
            0xc0000102, 0xc0000103, 0x277, 0x1a0};
    static final int SYSTEM_EVENT_SHUTDOWN = 1, SYSTEM_EVENT_RESET = 2, SYSTEM_EVENT_CRASH = 3;

    private final int index;
    private final KvmVcpu vcpu;
    private final VmPlatform platform;
    private final int[] msrs;
    private final VcpuState powerOn;
    private final byte[] buffer8 = new byte[8];

    KvmAcceleratedVcpu(int index, KvmVcpu vcpu, VmPlatform platform) throws NativeCallException {
        this.index = index;
        this.vcpu = vcpu;
        this.platform = platform;
        this.msrs = readableMsrs(vcpu);
        // KVM has no reset ioctl: the state it made the vCPU with is the power-on state.
        this.powerOn = state();
    }

    /** The MSRs of {@link #MSRS} this host lets us read (PVM refuses some). */
    private static int[] readableMsrs(KvmVcpu vcpu) throws NativeCallException {
        return Arrays.stream(MSRS).filter(m -> {
            try {
                vcpu.getMsrs(m);
                return true;
            } catch (KvmException e) {
                LOG.debug("kvm: MSR 0x{} not readable here: {}", Integer.toHexString(m), e.getMessage());
                return false;
            } catch (NativeCallException e) {
                return false;
            }
        }).toArray();
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public vmm.core.hypervisor.VcpuExit run() {
        while (true) {
            VcpuExit exit;
            try {
                exit = vcpu.run();
            } catch (NativeCallException e) {
                return internalError("KVM_RUN failed: " + e.getMessage());
            }
            switch (exit) {
                case VcpuExit.Io io -> io(io);
                case VcpuExit.Mmio mmio -> mmio(mmio);
                case VcpuExit.Intr i -> {
                    return new vmm.core.hypervisor.VcpuExit.Kicked();
                }
                case VcpuExit.Hlt h -> {
                    return new vmm.core.hypervisor.VcpuExit.Halted();
                }
                case VcpuExit.Shutdown s -> {
                    return new vmm.core.hypervisor.VcpuExit.TripleFault(stateOrNull(), "KVM_EXIT_SHUTDOWN");
                }
                case VcpuExit.SystemEvent e -> {
                    return new vmm.core.hypervisor.VcpuExit.SystemEvent(switch (e.type()) {
                        case SYSTEM_EVENT_SHUTDOWN -> "shutdown";
                        case SYSTEM_EVENT_RESET -> "reset";
                        case SYSTEM_EVENT_CRASH -> "crash";
                        default -> "kvm-system-event-" + e.type();
                    });
                }
                case VcpuExit.InternalError e -> {
                    return internalError("KVM_EXIT_INTERNAL_ERROR suberror " + e.suberror() + " data "
                            + Arrays.toString(e.data()));
                }
                case VcpuExit.FailEntry f -> {
                    return internalError("KVM_EXIT_FAIL_ENTRY hardware reason 0x"
                            + Long.toHexString(f.hardwareEntryFailureReason()) + " on host CPU " + f.cpu());
                }
                case VcpuExit.IrqWindowOpen w -> {
                    // Only requested without an in-kernel irqchip; nothing to do.
                }
                case VcpuExit.Debug d -> {
                    // No guest debugging is set up; a stray debug exit just resumes.
                }
                case VcpuExit.Unknown u -> {
                    return internalError("unknown KVM exit reason " + u.reason());
                }
            }
        }
    }

    /** Serves each of {@code count} accesses from the PIO bus, through the kvm_run data page. */
    private void io(VcpuExit.Io io) {
        MemorySegment data = vcpu.ioData(io);
        byte[] access = io.size() == 1 ? new byte[1] : io.size() == 2 ? new byte[2] : new byte[4];
        for (int i = 0; i < io.count(); i++) {
            long at = (long) i * io.size();
            if (io.isOut()) {
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, access, 0, io.size());
                platform.pio().write(io.port(), access);
            } else {
                platform.pio().read(io.port(), access);
                MemorySegment.copy(access, 0, data, ValueLayout.JAVA_BYTE, at, io.size());
            }
        }
    }

    private void mmio(VcpuExit.Mmio mmio) {
        int len = Math.min(mmio.len(), 8);
        if (mmio.isWrite()) {
            platform.mmio().write(mmio.physAddr(), Arrays.copyOf(mmio.data(), len));
        } else {
            byte[] value = new byte[len];
            platform.mmio().read(mmio.physAddr(), value);
            long v = 0;
            for (int i = len - 1; i >= 0; i--) {
                v = (v << 8) | (value[i] & 0xff);
            }
            vcpu.completeMmioRead(mmio, v);
        }
    }

    private vmm.core.hypervisor.VcpuExit internalError(String message) {
        VcpuState state = stateOrNull();
        byte[] bytes = new byte[0];
        if (state != null && (state.sregs().cr0() & (1L << 31)) == 0) {
            try {
                long at = state.sregs().cs().base() + state.regs().rip();
                bytes = new byte[16];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = platform.memory().readByte(at + i);
                }
            } catch (GuestMemoryException e) {
                bytes = new byte[0];
            }
        }
        return new vmm.core.hypervisor.VcpuExit.InternalError(message, state, bytes);
    }

    private VcpuState stateOrNull() {
        try {
            return state();
        } catch (RuntimeException e) {
            LOG.warn("kvm vCPU {}: no state: {}", index, e.getMessage());
            return null;
        }
    }

    @Override
    public void kick() {
        try {
            vcpu.kick();
        } catch (NativeCallException e) {
            throw new IllegalStateException("kicking kvm vCPU " + index + ": " + e.getMessage(), e);
        }
    }

    @Override
    public VcpuState state() {
        try (Arena arena = Arena.ofConfined()) {
            var regs = KvmStateConversion.registers(vcpu.getRegs(arena));
            var sregs = KvmStateConversion.systemRegisters(vcpu.getSregs(arena));
            var fpu = KvmStateConversion.fpu(vcpu.getFpu(arena));
            Map<Integer, Long> values = new HashMap<>();
            if (msrs.length > 0) {
                for (KvmMsrEntry e : vcpu.getMsrs(msrs)) {
                    values.put(e.index(), e.data());
                }
            }
            MemorySegment lapic = vcpu.getLapic(arena);
            byte[] apic = lapic.asSlice(0, KvmLapicState.KVM_APIC_REG_SIZE).toArray(ValueLayout.JAVA_BYTE);
            int mp = vcpu.mpState();
            MemorySegment events = vcpu.getVcpuEvents(arena);
            var debug = KvmStateConversion.debugRegisters(vcpu.getDebugregs(arena));
            return new VcpuState(regs, sregs, values, fpu, apic, mp == KvmMpState.KVM_MP_STATE_HALTED,
                    mp == KvmMpState.KVM_MP_STATE_UNINITIALIZED || mp == KvmMpState.KVM_MP_STATE_INIT_RECEIVED,
                    KvmStateConversion.interruptShadow(events), debug, KvmStateConversion.events(events));
        } catch (NativeCallException | KvmException e) {
            throw new IllegalStateException("kvm vCPU " + index + ": reading the state: " + e.getMessage(), e);
        }
    }

    @Override
    public void setState(VcpuState state) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sregs = vcpu.getSregs(arena);
            KvmStateConversion.writeSystemRegisters(state.sregs(), sregs);
            vcpu.setSregs(sregs);
            MemorySegment regs = vcpu.getRegs(arena);
            KvmStateConversion.writeRegisters(state.regs(), regs);
            vcpu.setRegs(regs);
            MemorySegment fpu = vcpu.getFpu(arena);
            KvmStateConversion.writeFpu(state.fpu(), fpu);
            vcpu.setFpu(fpu);
            List<KvmMsrEntry> entries = state.msrs().entrySet().stream()
                    .filter(e -> Arrays.stream(msrs).anyMatch(m -> m == e.getKey()))
                    .map(e -> new KvmMsrEntry(e.getKey(), e.getValue())).toList();
            if (!entries.isEmpty()) {
                vcpu.setMsrs(entries);
            }
            if (state.lapic().length == KvmLapicState.KVM_APIC_REG_SIZE) {
                MemorySegment lapic = vcpu.getLapic(arena);
                MemorySegment.copy(state.lapic(), 0, lapic, ValueLayout.JAVA_BYTE, 0, KvmLapicState.KVM_APIC_REG_SIZE);
                vcpu.setLapic(lapic);
            }
            MemorySegment debug = vcpu.getDebugregs(arena);
            KvmStateConversion.writeDebugRegisters(state.debug(), debug);
            vcpu.setDebugregs(debug);
            MemorySegment events = vcpu.getVcpuEvents(arena);
            KvmStateConversion.writeEvents(state.events(), state.interruptShadow(), events);
            vcpu.setVcpuEvents(events);
            vcpu.setMpState(state.waitingForSipi() ? KvmMpState.KVM_MP_STATE_UNINITIALIZED
                    : state.halted() ? KvmMpState.KVM_MP_STATE_HALTED : KvmMpState.KVM_MP_STATE_RUNNABLE);
        } catch (NativeCallException | KvmException e) {
            throw new IllegalStateException("kvm vCPU " + index + ": writing the state: " + e.getMessage(), e);
        }
    }

    @Override
    public void reset() {
        setState(powerOn);
    }

    @Override
    public void close() {
        // The VM closes its vCPUs.
    }
}
