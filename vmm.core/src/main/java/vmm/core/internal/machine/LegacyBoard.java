package vmm.core.internal.machine;

import java.time.Clock;
import java.util.List;


import vmm.core.bus.Bus;
import vmm.core.device.BusDevice;
import vmm.core.device.IrqLine;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.internal.acpi.AcpiPm;
import vmm.core.internal.acpi.AcpiTables;
import vmm.core.internal.irq.IoApic;
import vmm.core.internal.memory.GuestMemoryMap;
import vmm.core.internal.platform.CmosRtc;
import vmm.core.internal.platform.DebugExit;
import vmm.core.internal.platform.I8042;
import vmm.core.internal.platform.PciHostBridge;
import vmm.core.internal.platform.Serial16550;
import vmm.core.internal.timer.Hpet;
import vmm.core.internal.timer.ThreadTimerService;
import vmm.core.internal.timer.TimeSource;
import vmm.core.loader.E820Map;
import vmm.core.machine.Console;
import vmm.core.memory.GuestMemory;

/**
 * The PC devices that exist so far, wired on the buses: COM1 (0x3f8, IRQ 4), isa-debug-exit
 * (0xf4), the i8042 (0x60/0x64, reset), the RTC/CMOS (0x70), the i440FX host bridge (0xcf8,
 * with 0xcf9 reset), pc-testdev's scratch storage (0xe0, 0xff000000). Interrupt lines reach
 * KVM's in-kernel irqchip, or for a software CPU the user-space controllers of {@link UserIrqChip}.
 * ACPI: the tables at 0xE0000 (where Linux finds the RSDP when the boot protocol names none: its
 * MADT is the only way Debian's kernel finds the IOAPIC and the other CPUs), the PM block at 0x600
 * (PM timer, S5 power-off) and the HPET (a reference that Linux calibrates the TSC against).
 */
final class LegacyBoard implements Board {

    static final int COM1 = 0x3f8, COM1_IRQ = 4, KEYBOARD_IRQ = 1;

    private final GuestMemory memory;
    private final int vcpus;
    private final long tscKhz;
    private final Bus pio = Bus.pio();
    private final Bus mmio = Bus.mmio();
    private final Serial16550 serial;
    private final CmosRtc rtc = new CmosRtc(Clock.systemUTC());
    private final List<BusDevice> devices;
    private final E820Map e820;
    private final UserIrqChip userIrqChip;
    private final boolean inKernelIrqchip;
    private volatile AcceleratedVm irqchip;
    private final ThreadTimerService acpiTimers = new ThreadTimerService(TimeSource.SYSTEM, "vmm-acpi-timers");
    private final AcpiPm acpiPm;
    private final Hpet hpet;

    LegacyBoard(GuestMemory memory, int vcpus, long tscKhz, Console console, Events events, boolean inKernelIrqchip) {
        this.memory = memory;
        this.inKernelIrqchip = inKernelIrqchip;
        this.userIrqChip = inKernelIrqchip ? null : new UserIrqChip(vcpus, tscKhz, pio, mmio);
        this.vcpus = vcpus;
        this.tscKhz = tscKhz;
        this.serial = new Serial16550(line(COM1_IRQ), console.out());
        // The device reports QEMU's status, (value << 1) | 1; the outcome keeps the value.
        DebugExit debugExit = new DebugExit(status -> events.debugExit(status >>> 1));
        I8042 i8042 = new I8042(() -> events.resetRequested("i8042 reset line"), line(KEYBOARD_IRQ));
        PciHostBridge pci = new PciHostBridge(() -> events.resetRequested("0xcf9 reset control"), pio, mmio);
        GuestMemoryMap map = GuestMemoryMap.plan(memory.size());
        rtc.setMemorySize(map.belowFourGiB(), map.aboveFourGiB());
        pio.insert("com1", serial, COM1, 8);
        pio.insert(debugExit, DebugExit.PORT, DebugExit.PORTS);
        // Ports 0x60 and 0x64 only: 0x61 between them is the PIT's port B.
        pio.insert("i8042-data", i8042, I8042.BASE_PORT, 1);
        pio.insert("i8042-command", shifted(i8042, 4), I8042.BASE_PORT + 4, 1);
        pio.insert(rtc, CmosRtc.BASE_PORT, CmosRtc.PORTS);
        pio.insert(pci, PciHostBridge.BASE_PORT, PciHostBridge.PORTS);
        TestDevScratch ioport = new TestDevScratch(TestDevScratch.PORT_SIZE, "pc-testdev-ioport");
        TestDevScratch iomem = new TestDevScratch(TestDevScratch.IOMEM_SIZE, "pc-testdev-iomem");
        pio.insert(ioport, TestDevScratch.PORT, TestDevScratch.PORT_SIZE);
        mmio.insert(iomem, TestDevScratch.IOMEM, TestDevScratch.IOMEM_SIZE);
        this.acpiPm = new AcpiPm(TimeSource.SYSTEM, line(AcpiPm.SCI_IRQ), events::powerOff, acpiTimers);
        this.hpet = new Hpet(TimeSource.SYSTEM, this::line, acpiTimers);
        pio.insert("acpi-pm", acpiPm, AcpiPm.BASE_PORT, AcpiPm.PORTS);
        mmio.insert("hpet", hpet, Hpet.BASE, Hpet.SIZE);
        this.devices = List.of(serial, debugExit, i8042, rtc, pci, ioport, iomem, acpiPm, hpet);
        long pciStart = Math.max(0xc000_0000L, (map.belowFourGiB() + 0xf_ffffL) & ~0xf_ffffL);
        AcpiTables.write(memory, new AcpiTables.Config(vcpus, pciStart, IoApic.BASE - 1, Hpet.BASE));
        this.e820 = E820Map.of(memory, map.firmwareReserved());
    }

    /** A GSI of the user-space controllers, or of the in-kernel irqchip once the VM exists. */
    private IrqLine line(int gsi) {
        if (userIrqChip != null) {
            return userIrqChip.line(gsi);
        }
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
        if (inKernelIrqchip) {
            irqchip = vm;
        }
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
        return inKernelIrqchip ? null : userIrqChip.port(index);
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
        devices.forEach(BusDevice::reset);
        if (userIrqChip != null) {
            userIrqChip.reset();
        }
    }

    @Override
    public int consoleInput(byte[] bytes) {
        return serial.enqueueInput(bytes);
    }

    @Override
    public void close() {
        serial.close();
        acpiTimers.close();
        if (userIrqChip != null) {
            userIrqChip.close();
        }
    }
}
