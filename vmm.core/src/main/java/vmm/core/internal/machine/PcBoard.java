package vmm.core.internal.machine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import vmm.core.bus.Bus;
import vmm.core.device.DeviceType;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.internal.memory.GuestMemoryMap;
import vmm.core.internal.irq.LocalApic;
import vmm.core.internal.platform.PcPlatform;
import vmm.core.internal.timer.HeldTime;
import vmm.core.internal.timer.ThreadTimerService;
import vmm.core.loader.E820Map;
import vmm.core.machine.Console;
import vmm.core.machine.DeviceSpec;
import vmm.core.memory.GuestMemory;
import vmm.core.memory.MemoryRegion;

/**
 * The whole PC in user space ({@link PcPlatform}: PICs, IOAPIC, local APICs, PIT, HPET, ACPI,
 * RTC, i8042, COM1, fw_cfg, pc-testdev, debug-exit, i440FX), for an accelerator without an
 * in-kernel irqchip (the software CPU). After power-on and every reset it leaves the PICs and
 * the PIT as a BIOS does, as QEMU's guests find them after SeaBIOS.
 */
final class PcBoard implements Board {

    private final GuestMemory memory;
    private final int vcpus;
    private final long tscKhz;
    private final Bus pio = Bus.pio();
    private final Bus mmio = Bus.mmio();
    private final PcPlatform platform;
    private final E820Map e820;
    private volatile AcceleratedVm vm;
    private ConfiguredDevices devices;
    private final HeldTime time = new HeldTime();

    PcBoard(GuestMemory memory, int vcpus, long tscKhz, Console console, Events events) {
        this.memory = memory;
        this.vcpus = vcpus;
        this.tscKhz = tscKhz;
        PcPlatform.Options options = new PcPlatform.Options(time, new ThreadTimerService(time, "vmm-platform-timers"),
                java.time.Clock.systemUTC(), LocalApic.DEFAULT_PHYS_BITS, true);
        this.platform = new PcPlatform(memory, pio, mmio, vcpus, tscKhz, console.out(), new PcPlatform.Callbacks(
                events::powerOff,
                () -> events.resetRequested("guest reset (0xcf9 or the i8042)"),
                status -> events.debugExit(status >>> 1), // the device reports (value << 1) | 1
                (gpa, length) -> {
                    AcceleratedVm v = vm;
                    if (v != null) {
                        v.invalidateCode(gpa, length);
                    }
                }), options);
        platform.firmwareDefaults();
        List<MemoryRegion> reserved = new ArrayList<>(GuestMemoryMap.plan(memory.size()).firmwareReserved());
        reserved.addAll(platform.reservedRegions());
        this.e820 = E820Map.of(memory, reserved);
    }

    @Override
    public void attach(AcceleratedVm accelerated) {
        this.vm = accelerated;
    }

    @Override
    public void plugDevices(List<DeviceSpec> specs, Collection<DeviceType> types) {
        devices = ConfiguredDevices.plug(platform.pciHost(), pio, platform::deviceContext, specs, types);
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public Bus pio() {
        return pio;
    }

    @Override
    public Bus mmio() {
        return mmio;
    }

    @Override
    public int vcpuCount() {
        return vcpus;
    }

    @Override
    public InterruptPort interrupts(int index) {
        return platform.interrupts(index);
    }

    @Override
    public long tscKhz() {
        return tscKhz;
    }

    @Override
    public E820Map e820() {
        return e820;
    }

    /** The platform's IVT: IRQ vectors acknowledge the user-space PIC (an IRET alone would leave IRQ0 in service). */
    @Override
    public void writeRealModeIvt(vmm.core.memory.GuestMemory memory) {
        platform.writeIvt();
    }

    @Override
    public void reset() {
        platform.reset();
        platform.firmwareDefaults();
        if (devices != null) {
            devices.firmwareDefaults();
        }
    }

    @Override
    public List<String> deviceTypes() {
        return devices == null ? List.of() : devices.types();
    }

    @Override
    public <T> List<T> devices(Class<T> kind) {
        return devices == null ? List.of() : devices.facets(kind);
    }

    @Override
    public java.util.Map<String, vmm.core.device.DeviceState> saveDevices() {
        // The PCI functions first: the platform's state then lies next to the vCPUs' in the file.
        java.util.Map<String, vmm.core.device.DeviceState> states = new java.util.LinkedHashMap<>();
        if (devices != null) {
            devices.saveState(states);
        }
        states.putAll(platform.saveState());
        return states;
    }

    @Override
    public void restoreDevices(java.util.Map<String, vmm.core.device.DeviceState> states) {
        // The functions first: the platform's restore maps their BARs where their config says.
        if (devices != null) {
            devices.restoreState(states);
        }
        platform.restoreState(states);
    }

    @Override
    public boolean pressPowerButton() {
        return platform.pressPowerButton();
    }

    @Override
    public TimeHold holdTime() {
        time.hold(System.nanoTime());
        return time::release;
    }

    @Override
    public long nanoTime() {
        return time.nanoTime();
    }

    @Override
    public int consoleInput(byte[] bytes) {
        return platform.serial().enqueueInput(bytes);
    }

    @Override
    public void close() {
        if (devices != null) {
            devices.close();
        }
        platform.close();
    }
}
