package vmm.core.internal.platform;

import java.io.OutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.bus.Bus;
import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;
import vmm.core.device.MsiSink;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.internal.acpi.AcpiPm;
import vmm.core.internal.acpi.AcpiTables;
import vmm.core.internal.irq.ApicBus;
import vmm.core.internal.irq.GsiRouter;
import vmm.core.internal.irq.IoApic;
import vmm.core.internal.irq.LocalApic;
import vmm.core.internal.irq.Pic8259;
import vmm.core.internal.timer.Hpet;
import vmm.core.internal.timer.Pit8254;
import vmm.core.internal.timer.ThreadTimerService;
import vmm.core.internal.timer.TimeSource;
import vmm.core.internal.timer.TimerService;
import vmm.core.memory.GuestMemory;
import vmm.core.memory.MemoryRegion;

/**
 * The PC platform of a machine whose accelerator has no in-kernel irqchip (the software CPU):
 * every chipset device, created, wired and placed on the machine's buses in one go.
 *
 * <table>
 * <caption>What sits where</caption>
 * <tr><th>device</th><th>ports / addresses</th><th>interrupt</th></tr>
 * <tr><td>8259 PIC pair, ELCR</td><td>0x20-0x21, 0xA0-0xA1, 0x4D0-0x4D1</td><td>to the BSP's LINT0</td></tr>
 * <tr><td>8254 PIT, port B</td><td>0x40-0x43, 0x61</td><td>IRQ0 (IOAPIC pin 2)</td></tr>
 * <tr><td>i8042 (reset line)</td><td>0x60, 0x64</td><td>IRQ1</td></tr>
 * <tr><td>CMOS RTC</td><td>0x70-0x71</td><td></td></tr>
 * <tr><td>POST port (ignored)</td><td>0x80</td><td></td></tr>
 * <tr><td>pc-testdev</td><td>0xE0-0xE7, 0x2000-0x2017, MMIO 0xFF000000 (64 KiB)</td><td></td></tr>
 * <tr><td>isa-debug-exit</td><td>0xF4-0xF7</td><td></td></tr>
 * <tr><td>COM1 16550</td><td>0x3F8-0x3FF</td><td>IRQ4</td></tr>
 * <tr><td>fw_cfg</td><td>0x510-0x511</td><td></td></tr>
 * <tr><td>ACPI PM block</td><td>0x600-0x60B</td><td>SCI, IRQ9 level</td></tr>
 * <tr><td>i440FX host bridge, reset control</td><td>0xCF8-0xCFF (0xCF9)</td><td></td></tr>
 * <tr><td>IOAPIC</td><td>MMIO 0xFEC00000</td><td>GSIs 0-23</td></tr>
 * <tr><td>HPET</td><td>MMIO 0xFED00000</td><td>legacy IRQ0/IRQ8, or GSIs 20-23</td></tr>
 * <tr><td>local APICs</td><td>0xFEE00000, per vCPU through {@link #interrupts}</td><td></td></tr>
 * </table>
 *
 * <p>The ACPI tables go into guest RAM at 0xE0000 (inside the firmware-reserved range that
 * {@code GuestMemoryMap.firmwareReserved()} names, so the e820 map already lists them as
 * reserved) and are written again on every {@link #reset()}.
 *
 * <p>Time: every timer reads one {@link TimeSource} (the host's monotonic clock); the PIT,
 * the HPET and the PM timer's overflow are delivered by one daemon thread
 * ({@code vmm-platform-timers}) that {@link #close()} stops; the local APIC timers are noticed
 * by the vCPUs themselves.
 */
public final class PcPlatform implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PcPlatform.class);

    /**
     * What the machine does when the guest asks for it: {@code powerOff} on ACPI S5,
     * {@code reset} on the i8042 reset line or 0xCF9, {@code debugExit} with QEMU's exit status
     * {@code (value << 1) | 1} of an isa-debug-exit write, {@code codeFlush} when pc-testdev
     * asks for a page's cached code to be dropped. Called from vCPU threads.
     */
    public record Callbacks(Runnable powerOff, Runnable reset, IntConsumer debugExit, PcTestDev.CodeFlush codeFlush) {
        public Callbacks {
            Objects.requireNonNull(powerOff, "powerOff");
            Objects.requireNonNull(reset, "reset");
            Objects.requireNonNull(debugExit, "debugExit");
            Objects.requireNonNull(codeFlush, "codeFlush");
        }
    }

    /**
     * Settings with defaults for production; tests pass a manual clock and timer service.
     *
     * @param time         the guest time base
     * @param timers       runs the periodic sources' deadlines (closed by {@link #close()})
     * @param wallClock    what the RTC shows
     * @param physAddrBits the CPU's MAXPHYADDR (APIC base checks)
     * @param hpet         whether to offer an HPET (and its ACPI table)
     */
    public record Options(TimeSource time, TimerService timers, Clock wallClock, int physAddrBits, boolean hpet) {
        public static Options defaults() {
            return new Options(TimeSource.SYSTEM, new ThreadTimerService(TimeSource.SYSTEM, "vmm-platform-timers"),
                    Clock.systemUTC(), LocalApic.DEFAULT_PHYS_BITS, true);
        }
    }

    private final GuestMemory memory;
    private final int vcpus;
    private final TimerService timers;
    private final ApicBus apicBus = new ApicBus();
    private final Pic8259 pic;
    private final IoApic ioApic;
    private final LocalApic[] apics;
    private final GsiRouter router;
    private final Pit8254 pit;
    private final Hpet hpet;
    private final AcpiPm acpiPm;
    private final CmosRtc rtc;
    private final I8042 i8042;
    private final Serial16550 com1;
    private final PciHostBridge pciHost;
    private final FwCfg fwCfg;
    private final PcTestDev testDev;
    private final DebugExit debugExit;
    private final AcpiTables.Config acpiConfig;
    /** Every device with state, by the name its saved state is filed under. */
    private final Map<String, BusDevice> devices = new LinkedHashMap<>();
    private AcpiTables.Layout acpiLayout;

    /** A platform with the production clock and timer thread. */
    public static PcPlatform create(GuestMemory memory, Bus pio, Bus mmio, int vcpus, long tscKhz,
            OutputStream console, Callbacks callbacks) {
        return new PcPlatform(memory, pio, mmio, vcpus, tscKhz, console, callbacks, Options.defaults());
    }

    /**
     * Creates and places every device.
     *
     * @param console COM1's output (the machine feeds input through {@link #serial()})
     * @throws IllegalArgumentException when the vCPU count or TSC frequency is out of range, or
     *                                  a device's range is already taken on a bus
     */
    public PcPlatform(GuestMemory memory, Bus pio, Bus mmio, int vcpus, long tscKhz, OutputStream console,
            Callbacks callbacks, Options options) {
        if (vcpus < 1 || vcpus > 255) {
            throw new IllegalArgumentException("the PC platform takes 1-255 vCPUs (xAPIC IDs): " + vcpus);
        }
        if (tscKhz < 1000 || tscKhz > 9_000_000) {
            throw new IllegalArgumentException("TSC frequency out of range (1 MHz-9 GHz): " + tscKhz + " kHz");
        }
        this.memory = memory;
        this.vcpus = vcpus;
        this.timers = options.timers();
        TimeSource time = options.time();
        LocalApic[] created = new LocalApic[vcpus];
        this.pic = new Pic8259(() -> {
            LocalApic bsp = created[0];
            if (bsp != null) {
                bsp.picChanged();
            }
        });
        for (int i = 0; i < vcpus; i++) {
            created[i] = new LocalApic(i, apicBus, time, tscKhz, pic, options.physAddrBits());
        }
        this.apics = created;
        this.ioApic = new IoApic(apicBus);
        this.router = new GsiRouter(pic, ioApic);
        this.hpet = options.hpet() ? new Hpet(time, router::line, timers) : null;
        // In legacy replacement mode the HPET owns IRQ0 and the PIT's output is cut off (IA-PC
        // HPET spec 2.4); Linux relies on that and leaves the PIT ticking at the BIOS's 18.2 Hz.
        IrqLine pitLine = router.line(0);
        this.pit = new Pit8254(time, level -> pitLine.set(level && (hpet == null || !hpet.legacyReplacement())),
                timers);
        this.acpiPm = new AcpiPm(time, router.line(AcpiPm.SCI_IRQ), callbacks.powerOff(), timers);
        this.rtc = new CmosRtc(options.wallClock());
        this.i8042 = new I8042(callbacks.reset(), router.line(1));
        this.com1 = new Serial16550(router.line(4), console);
        this.pciHost = new PciHostBridge(callbacks.reset(), pio, mmio);
        this.fwCfg = new FwCfg(memory.size(), vcpus);
        this.testDev = new PcTestDev(router::line, callbacks.codeFlush());
        this.debugExit = new DebugExit(callbacks.debugExit());

        long below4g = 0;
        long above4g = 0;
        long ramEndBelow4g = 0;
        for (MemoryRegion r : memory.regions()) {
            if (r.guestAddress() < 1L << 32) {
                long end = Math.min(r.end(), 1L << 32);
                below4g += end - r.guestAddress();
                ramEndBelow4g = Math.max(ramEndBelow4g, end);
            } else {
                above4g += r.size();
            }
        }
        rtc.setMemorySize(below4g, above4g);
        long windowStart = Math.max(0xc000_0000L, (ramEndBelow4g + 0xf_ffffL) & ~0xf_ffffL);
        this.acpiConfig = new AcpiTables.Config(vcpus, windowStart, IoApic.BASE - 1, hpet != null ? Hpet.BASE : 0);

        place(pio, "pic", pic.master(), Pic8259.MASTER, 2);
        place(pio, null, pic.slave(), Pic8259.SLAVE, 2);
        place(pio, null, pic.elcr(), Pic8259.ELCR, 2);
        place(pio, "pit", pit, Pit8254.BASE_PORT, Pit8254.PORTS);
        place(pio, null, pit.portB(), Pit8254.PORT_B, 1);
        place(pio, "i8042", i8042, I8042.BASE_PORT, 1);
        place(pio, null, new PortAlias(i8042, I8042.STATUS_COMMAND, "i8042-command"), I8042.BASE_PORT + I8042.STATUS_COMMAND, 1);
        place(pio, "rtc", rtc, CmosRtc.BASE_PORT, CmosRtc.PORTS);
        place(pio, "pc-testdev", testDev.scratch(), PcTestDev.SCRATCH_PORT, 4);
        place(pio, null, testDev.flush(), PcTestDev.FLUSH_PORT, 4);
        place(pio, null, testDev.irqPorts(), PcTestDev.IRQ_PORT, PcTestDev.IRQ_LINES);
        place(mmio, null, testDev.iomem(), PcTestDev.IOMEM_BASE, PcTestDev.IOMEM_SIZE);
        place(pio, "debug-exit", debugExit, DebugExit.PORT, DebugExit.PORTS);
        place(pio, null, new PostPort(), PostPort.PORT, 1);
        place(pio, "com1", com1, 0x3f8, 8);
        place(pio, "fw-cfg", fwCfg, FwCfg.BASE_PORT, FwCfg.PORTS);
        place(pio, "acpi-pm", acpiPm, AcpiPm.BASE_PORT, AcpiPm.PORTS);
        place(pio, "pci-host", pciHost, PciHostBridge.BASE_PORT, PciHostBridge.PORTS);
        place(mmio, "ioapic", ioApic, IoApic.BASE, IoApic.SIZE);
        if (hpet != null) {
            place(mmio, "hpet", hpet, Hpet.BASE, Hpet.SIZE);
        }
        for (int i = 0; i < vcpus; i++) {
            devices.put("lapic" + i, apics[i].registers());
        }
        acpiLayout = AcpiTables.write(memory, acpiConfig);
        LOG.debug("pc platform: {} vCPUs, ACPI tables at {}", vcpus, acpiLayout.region());
    }

    private void place(Bus bus, String stateName, BusDevice device, long base, long length) {
        bus.insert(device, base, length);
        if (stateName != null) {
            devices.put(stateName, device);
        }
    }

    /** The local APIC of vCPU {@code vcpu}, for {@code VmPlatform.interrupts}. */
    public InterruptPort interrupts(int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("no vCPU " + vcpu + " (the machine has " + vcpus + ")");
        }
        return apics[vcpu];
    }

    /** A new source on interrupt line {@code gsi} (0-15 ISA IRQs, 16-23 PCI INTx). */
    public IrqLine irq(int gsi) {
        return router.line(gsi);
    }

    /** Where PCI devices' MSI writes go. */
    public MsiSink msi() {
        return apicBus;
    }

    /** The context a device model is created with (named {@code name} in logs). */
    public DeviceContext deviceContext(String name) {
        return DeviceContext.of(name, memory, router::line, apicBus);
    }

    /** The GSI of PCI slot {@code slot}'s pin {@code pin} (0 = INTA#), as the DSDT's _PRT says. */
    public static int pciIntxGsi(int slot, int pin) {
        return AcpiTables.pciIntxGsi(slot, pin);
    }

    /** COM1: the machine feeds console input with {@link Serial16550#enqueueInput}. */
    public Serial16550 serial() {
        return com1;
    }

    /** The PCI bus 0 host bridge, to attach PCI functions to. */
    public PciHostBridge pciHost() {
        return pciHost;
    }

    /** Presses the ACPI power button; false when the guest has not enabled its event (it will not react). */
    public boolean pressPowerButton() {
        return acpiPm.pressPowerButton();
    }

    /** Where the ACPI tables are (inside the firmware-reserved range below 1 MiB). */
    public AcpiTables.Layout acpiTables() {
        return acpiLayout;
    }

    /** The guest-visible ranges the e820 map must not call RAM: the ACPI tables. */
    public List<MemoryRegion> reservedRegions() {
        return List.of(acpiLayout.region());
    }

    /** Where {@link #firmwareDefaults()} puts its interrupt stubs: the BIOS segment, reserved in the e820 map. */
    public static final long BIOS_STUBS = 0xf_0000L;

    /**
     * Leaves the machine as a PC BIOS (SeaBIOS) does after POST, for guests started without
     * firmware that expect that state (kvm-unit-tests' realmode test): PIC vectors at 0x08 and
     * 0x70, IRQ 0, 1, 2, 6, 8, 12, 13 and 14 unmasked, the PCI IRQs 5, 9, 10 and 11 level in
     * the ELCR, PIT channel 0 in mode 3 with count 65536 (18.2 Hz on IRQ0), and a real-mode
     * IVT whose hardware-interrupt vectors (0x08-0x0F, 0x70-0x77) point to stubs at
     * {@link #BIOS_STUBS} that acknowledge the PIC and return, every other vector to an IRET.
     * Guests that set up their own interrupts (Linux) overwrite all of it.
     */
    public void firmwareDefaults() {
        writeIvt();
        pic.initialize(0x08, 0x70, 0xb8, 0x8e, 0x0e20);
        pit.write(3, new byte[] {0x36});
        pit.write(0, new byte[] {0});
        pit.write(0, new byte[] {0});
    }

    /** The IVT part of {@link #firmwareDefaults()}: the stubs at {@link #BIOS_STUBS} and the vectors. */
    public void writeIvt() {
        byte[] stubs = {
            (byte) 0xcf, // +0: iret
            0x50, (byte) 0xb0, 0x20, (byte) 0xe6, 0x20, 0x58, (byte) 0xcf, // +1: push ax; EOI master; pop ax; iret
            0x50, (byte) 0xb0, 0x20, (byte) 0xe6, (byte) 0xa0, (byte) 0xe6, 0x20, 0x58, (byte) 0xcf, // +8: EOI both
        };
        memory.write(BIOS_STUBS, java.nio.ByteBuffer.wrap(stubs));
        java.nio.ByteBuffer ivt = java.nio.ByteBuffer.allocate(256 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int segment = (int) (BIOS_STUBS >>> 4);
        for (int vector = 0; vector < 256; vector++) {
            int offset = vector >= 0x08 && vector <= 0x0f ? 1 : vector >= 0x70 && vector <= 0x77 ? 8 : 0;
            ivt.putShort((short) offset).putShort((short) segment);
        }
        memory.write(0, ivt.flip());
    }

    /** Machine reset: every device to its power-on state, the ACPI tables written again. */
    public void reset() {
        for (BusDevice d : devices.values()) {
            d.reset();
        }
        acpiLayout = AcpiTables.write(memory, acpiConfig);
    }

    /** Every device's state, by name. */
    public Map<String, DeviceState> saveState() {
        Map<String, DeviceState> out = new LinkedHashMap<>();
        for (Map.Entry<String, BusDevice> e : devices.entrySet()) {
            out.put(e.getKey(), e.getValue().saveState());
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Restores states from {@link #saveState()}.
     *
     * @throws IllegalArgumentException naming the device whose state is missing or unreadable
     */
    public void restoreState(Map<String, DeviceState> states) {
        List<String> missing = new ArrayList<>();
        for (String name : devices.keySet()) {
            if (!states.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("platform state lacks " + missing);
        }
        for (Map.Entry<String, BusDevice> e : devices.entrySet()) {
            try {
                e.getValue().restoreState(states.get(e.getKey()));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(e.getKey() + ": " + ex.getMessage(), ex);
            }
        }
        pciHost.remapBars();
    }

    /** Stops the timer thread and closes COM1's log. */
    @Override
    public void close() {
        timers.close();
        com1.close();
    }

    /**
     * Port 0x80, the POST diagnostic port: Linux's {@code outb_p} writes it after every slow
     * port access (io_delay), so it is claimed and ignored rather than counted as unclaimed.
     */
    private static final class PostPort implements BusDevice {
        static final int PORT = 0x80;

        @Override
        public void read(long offset, byte[] data) {
            java.util.Arrays.fill(data, (byte) 0xff);
        }

        @Override
        public void write(long offset, byte[] data) {
        }

        @Override
        public String name() {
            return "post-port";
        }
    }

    /** Another port of a device whose registers are apart (the i8042's 0x64 beside the PIT's 0x61). */
    private record PortAlias(BusDevice target, long offset, String name) implements BusDevice {
        @Override
        public void read(long at, byte[] data) {
            target.read(offset + at, data);
        }

        @Override
        public void write(long at, byte[] data) {
            target.write(offset + at, data);
        }
    }
}
