package vmm.core.internal.machine;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;


import vmm.core.bus.Bus;
import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceType;
import vmm.core.device.IrqLine;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.internal.acpi.AcpiPm;
import vmm.core.internal.acpi.AcpiTables;
import vmm.core.internal.irq.IoApic;
import vmm.core.internal.memory.GuestMemoryMap;
import vmm.core.internal.platform.CmosRtc;
import vmm.core.internal.platform.DebugExit;
import vmm.core.internal.platform.FwCfg;
import vmm.core.internal.platform.I8042;
import vmm.core.internal.platform.PcTestDev;
import vmm.core.internal.platform.PciHostBridge;
import vmm.core.internal.platform.Serial16550;
import vmm.core.internal.timer.ThreadTimerService;
import vmm.core.internal.timer.TimeSource;
import vmm.core.loader.E820Map;
import vmm.core.machine.Console;
import vmm.core.machine.DeviceSpec;
import vmm.core.memory.GuestMemory;
import vmm.core.memory.MemoryRegion;

/**
 * The PC for an accelerator with an in-kernel irqchip (KVM: the PICs, IOAPIC, local APICs and
 * PIT are in the kernel), the other devices wired on the buses: COM1 (0x3f8, IRQ 4), isa-debug-exit
 * (0xf4), the i8042 (0x60/0x64, reset), the RTC/CMOS (0x70), the i440FX host bridge (0xcf8,
 * with 0xcf9 reset), pc-testdev (0xe0, 0x2000, 0xff000000), fw_cfg (0x510), the ACPI PM
 * block (0x600) and ACPI tables at 0xe0000. Interrupt lines reach
 * the in-kernel irqchip through {@link AcceleratedVm#setIrqLine}. (Without one, {@link PcBoard}.)
 */
final class InKernelIrqchipBoard implements Board {

    static final int COM1 = 0x3f8, COM1_IRQ = 4, KEYBOARD_IRQ = 1;

    private final GuestMemory memory;
    private final int vcpus;
    private final long tscKhz;
    private final Bus pio = Bus.pio();
    private final Bus mmio = Bus.mmio();
    private final Serial16550 serial;
    private final CmosRtc rtc = new CmosRtc(Clock.systemUTC());
    private final List<BusDevice> devices;
    /** The devices with a state, by the names PcPlatform saves them under. */
    private final java.util.Map<String, BusDevice> stateful = new java.util.LinkedHashMap<>();
    private final E820Map e820;
    private final PciHostBridge pciHost;
    private ConfiguredDevices configured;
    private volatile AcceleratedVm irqchip;
    private volatile AcceleratedVm vm;
    private final ThreadTimerService timers = new ThreadTimerService(TimeSource.SYSTEM, "vmm-acpi-timer");
    private final AcpiTables.Config acpiConfig;
    private final AcpiPm acpiPm;

    InKernelIrqchipBoard(GuestMemory memory, int vcpus, long tscKhz, Console console, Events events) {
        this.memory = memory;
        this.vcpus = vcpus;
        this.tscKhz = tscKhz;
        this.serial = new Serial16550(line(COM1_IRQ), console.out());
        // The device reports QEMU's status, (value << 1) | 1; the outcome keeps the value.
        DebugExit debugExit = new DebugExit(status -> events.debugExit(status >>> 1));
        I8042 i8042 = new I8042(() -> events.resetRequested("i8042 reset line"), line(KEYBOARD_IRQ));
        PciHostBridge pci = new PciHostBridge(() -> events.resetRequested("0xcf9 reset control"), pio, mmio);
        this.pciHost = pci;
        GuestMemoryMap map = GuestMemoryMap.plan(memory.size());
        rtc.setMemorySize(map.belowFourGiB(), map.aboveFourGiB());
        pio.insert("com1", serial, COM1, 8);
        pio.insert(debugExit, DebugExit.PORT, DebugExit.PORTS);
        // Ports 0x60 and 0x64 only: 0x61 between them is port B (speaker/PIT gate).
        pio.insert("i8042-data", i8042, I8042.BASE_PORT, 1);
        pio.insert("i8042-command", shifted(i8042, 4), I8042.BASE_PORT + 4, 1);
        pio.insert(rtc, CmosRtc.BASE_PORT, CmosRtc.PORTS);
        pio.insert(pci, PciHostBridge.BASE_PORT, PciHostBridge.PORTS);
        PcTestDev testDev = new PcTestDev(this::line, (gpa, length) -> {
            AcceleratedVm vm = this.vm;
            if (vm != null) {
                vm.invalidateCode(gpa, length);
            }
        });
        pio.insert(testDev.scratch(), PcTestDev.SCRATCH_PORT, 4);
        pio.insert(testDev.flush(), PcTestDev.FLUSH_PORT, 4);
        pio.insert(testDev.irqPorts(), PcTestDev.IRQ_PORT, PcTestDev.IRQ_LINES);
        mmio.insert(testDev.iomem(), PcTestDev.IOMEM_BASE, PcTestDev.IOMEM_SIZE);
        FwCfg fwCfg = new FwCfg(memory.size(), vcpus);
        pio.insert(fwCfg, FwCfg.BASE_PORT, FwCfg.PORTS);
        // ACPI: the PM block (power-off through S5, the PM timer) and the tables that describe
        // the machine (MADT with the in-kernel IOAPIC and one local APIC per vCPU, no HPET).
        this.acpiPm = new AcpiPm(TimeSource.SYSTEM, line(AcpiPm.SCI_IRQ), events::powerOff, timers);
        pio.insert(acpiPm, AcpiPm.BASE_PORT, AcpiPm.PORTS);
        long pciWindow = Math.max(0xc000_0000L, (map.belowFourGiB() + 0xf_ffffL) & ~0xf_ffffL);
        this.acpiConfig = new AcpiTables.Config(vcpus, pciWindow, IoApic.BASE - 1, 0);
        AcpiTables.Layout acpi = AcpiTables.write(memory, acpiConfig);
        this.devices = List.of(serial, debugExit, i8042, rtc, pci, testDev.scratch(), testDev.iomem(), fwCfg, acpiPm);
        stateful.put("i8042", i8042);
        stateful.put("rtc", rtc);
        stateful.put("pc-testdev", testDev.scratch());
        stateful.put("debug-exit", debugExit);
        stateful.put("com1", serial);
        stateful.put("fw-cfg", fwCfg);
        stateful.put("acpi-pm", acpiPm);
        stateful.put("pci-host", pci);
        List<MemoryRegion> reserved = new ArrayList<>(map.firmwareReserved());
        reserved.add(acpi.region());
        this.e820 = E820Map.of(memory, reserved);
    }

    /** A GSI of the in-kernel irqchip, once the VM exists. */
    private IrqLine line(int gsi) {
        return level -> {
            AcceleratedVm vm = irqchip;
            if (vm != null) {
                vm.setIrqLine(gsi, level);
            }
        };
    }

    /** {@code device} seen from a claim that starts {@code by} addresses into its range. */
    private static BusDevice shifted(BusDevice device, long by) {
        return new BusDevice() {
            @Override
            public void read(long offset, byte[] data) {
                device.read(offset + by, data);
            }

            @Override
            public void write(long offset, byte[] data) {
                device.write(offset + by, data);
            }

            @Override
            public String name() {
                return device.name();
            }
        };
    }

    @Override
    public void attach(AcceleratedVm vm) {
        this.vm = vm;
        this.irqchip = vm;
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
        return null;
    }

    @Override
    public long tscKhz() {
        return tscKhz;
    }

    @Override
    public E820Map e820() {
        return e820;
    }

    @Override
    public void reset() {
        AcpiTables.write(memory, acpiConfig);
        devices.forEach(BusDevice::reset);
        if (configured != null) {
            configured.firmwareDefaults();
        }
    }

    /** Configured PCI devices: INTx on the in-kernel IOAPIC's GSIs, MSI through the accelerator. */
    @Override
    public List<String> deviceTypes() {
        return configured == null ? List.of() : configured.types();
    }

    /** The kernel keeps the clocks of a KVM guest; nothing to hold here. */
    @Override
    public TimeHold holdTime() {
        return () -> { };
    }

    @Override
    public <T> List<T> devices(Class<T> kind) {
        return configured == null ? List.of() : configured.facets(kind);
    }

    /**
     * The PCI functions, then the platform devices by name, then the accelerator's in-kernel
     * PICs, IOAPIC, PIT and clock (read from the kernel while the vCPUs are stopped).
     */
    @Override
    public java.util.Map<String, vmm.core.device.DeviceState> saveDevices() {
        java.util.Map<String, vmm.core.device.DeviceState> states = new java.util.LinkedHashMap<>();
        if (configured != null) {
            configured.saveState(states);
        }
        stateful.forEach((name, d) -> states.put(name, d.saveState()));
        AcceleratedVm vm = this.vm;
        if (vm == null) {
            throw new UnsupportedOperationException("the machine has no VM yet");
        }
        states.putAll(vm.saveInKernelDevices());
        return states;
    }

    /** The in-kernel chips first: the platform devices' restore may raise their lines. */
    @Override
    public void restoreDevices(java.util.Map<String, vmm.core.device.DeviceState> states) {
        AcceleratedVm vm = this.vm;
        if (vm == null) {
            throw new IllegalArgumentException("the machine has no VM to restore into");
        }
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (String name : stateful.keySet()) {
            if (!states.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("platform state lacks " + missing);
        }
        try {
            vm.restoreInKernelDevices(states);
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (configured != null) {
            configured.restoreState(states);
        }
        for (java.util.Map.Entry<String, BusDevice> e : stateful.entrySet()) {
            try {
                e.getValue().restoreState(states.get(e.getKey()));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(e.getKey() + ": " + ex.getMessage(), ex);
            }
        }
        pciHost.remapBars();
    }

    @Override
    public void plugDevices(List<DeviceSpec> specs, Collection<DeviceType> types) {
        configured = ConfiguredDevices.plug(pciHost, pio, name -> DeviceContext.of(name, memory, this::line, (address, data) -> {
            AcceleratedVm vm = irqchip;
            if (vm != null) {
                vm.signalMsi(address, data);
            }
        }), specs, types);
    }

    @Override
    public boolean pressPowerButton() {
        return acpiPm.pressPowerButton();
    }

    @Override
    public int consoleInput(byte[] bytes) {
        return serial.enqueueInput(bytes);
    }

    @Override
    public void close() {
        if (configured != null) {
            configured.close();
        }
        serial.close();
        timers.close();
    }
}
