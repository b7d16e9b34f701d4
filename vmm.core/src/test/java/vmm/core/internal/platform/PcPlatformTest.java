package vmm.core.internal.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.core.hypervisor.InterruptPort.EVENT_INTR;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.bus.BusRange;
import vmm.core.device.DeviceState;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.internal.timer.ManualTime;
import vmm.core.memory.GuestMemory;

/** The whole platform on real buses, driven as a guest would through ports and MMIO. */
class PcPlatformTest {
    private final ManualTime time = new ManualTime();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private GuestMemory memory;
    private Bus pio;
    private Bus mmio;
    private PcPlatform platform;
    private PortIo io;

    @BeforeEach
    void build() {
        memory = GuestMemory.allocate(64L << 20);
        pio = Bus.pio();
        mmio = Bus.mmio();
        platform = new PcPlatform(memory, pio, mmio, 2, 2_000_000, console,
                new PcPlatform.Callbacks(() -> events.add("off"), () -> events.add("reset"),
                        status -> events.add("exit " + status), (gpa, len) -> events.add("flush " + gpa)),
                new PcPlatform.Options(time, time, Clock.systemUTC(), 40, true));
        io = new PortIo(pio);
    }

    @AfterEach
    void close() {
        platform.close();
        memory.close();
    }

    private void mmioWrite32(long address, int value) {
        mmio.write(address, new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)});
    }

    private void lapicWrite(InterruptPort apic, int register, int value) {
        apic.registers().write(register, new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)});
    }

    @Test
    void devicesSitAtTheirPcAddresses() {
        List<String> ports = pio.ranges().stream().map(r -> r.name() + "@" + Long.toHexString(r.base())).toList();
        assertEquals(List.of("pic-master@20", "pit@40", "i8042@60", "port-61@61", "i8042-command@64", "cmos@70",
                "post-port@80", "pc-testdev@e0", "pc-testdev-flush@e4", "debug-exit@f4", "pic-slave@a0", "serial@3f8", "pic-elcr@4d0",
                "fw-cfg@510", "acpi-pm@600", "pci-host@cf8", "pc-testdev-irq@2000").stream().sorted().toList(),
                ports.stream().sorted().toList());
        List<Long> mmioBases = mmio.ranges().stream().map(BusRange::base).toList();
        assertEquals(List.of(0xfec0_0000L, 0xfed0_0000L, 0xff00_0000L), mmioBases);
    }

    @Test
    void consoleDebugExitAndResets() {
        for (byte b : "hi\n".getBytes(StandardCharsets.US_ASCII)) {
            io.outb(0x3f8, b);
        }
        assertEquals("hi\n", console.toString(StandardCharsets.US_ASCII));
        io.outl(0xf4, 0);
        io.outb(0x64, 0xfe);
        io.outb(0xcf9, 0x06);
        io.outw(0x604, (5 << 10) | (1 << 13) | 1);
        io.outl(0xe4, 0x5123);
        assertEquals(List.of("exit 1", "reset", "reset", "off", "flush " + 0x5000), events);
    }

    @Test
    void fwCfgTellsKvmUnitTestsTheCpuCountAndRam() {
        io.outw(0x510, 0x05);
        assertEquals(2, io.inb(0x511) | io.inb(0x511) << 8);
        io.outw(0x510, 0x03);
        long ram = 0;
        for (int i = 0; i < 8; i++) {
            ram |= (long) io.inb(0x511) << (8 * i);
        }
        assertEquals(64L << 20, ram);
    }

    @Test
    void serialInterruptReachesTheBspThroughThePicVirtualWire() {
        // Real-mode BIOS state: master at 0x08, slave at 0x70.
        io.outb(0x20, 0x11);
        io.outb(0x21, 0x08);
        io.outb(0x21, 0x04);
        io.outb(0x21, 0x01);
        io.outb(0x21, 0x00);
        io.outb(0x3f9, 0x01); // COM1: receive interrupt enable
        io.outb(0x3fc, 0x08); // OUT2 gates the IRQ on a PC
        platform.serial().enqueueInput(new byte[] {'x'});
        InterruptPort bsp = platform.interrupts(0);
        assertEquals(EVENT_INTR, bsp.pendingEvents());
        assertEquals(0x0c, bsp.acknowledgeInterrupt());
        assertEquals('x', io.inb(0x3f8));
    }

    @Test
    void pitIrq0ThroughIoApicPin2ToTheApAndMsiAndTestDevLines() {
        InterruptPort ap = platform.interrupts(1);
        lapicWrite(ap, 0xf0, 0x1ff);
        io.outb(0x21, 0xff); // PIC masked
        io.outb(0xa1, 0xff);
        mmioWrite32(0xfec0_0000L, 0x10 + 2 * 2 + 1);
        mmioWrite32(0xfec0_0010L, 1 << 24);
        mmioWrite32(0xfec0_0000L, 0x10 + 2 * 2);
        mmioWrite32(0xfec0_0010L, 0x30);
        io.outb(0x43, 0x34);
        io.outb(0x40, 11932 & 0xff);
        io.outb(0x40, 11932 >> 8);
        time.advance(10_100_000);
        assertEquals(EVENT_INTR, ap.pendingEvents());
        assertEquals(0x30, ap.acknowledgeInterrupt());
        lapicWrite(ap, 0xb0, 0);
        platform.msi().signal(0xfee0_1000L, 0x41);
        assertEquals(0x41, ap.acknowledgeInterrupt());
        lapicWrite(ap, 0xb0, 0);
        // pc-testdev line 10 through IOAPIC pin 10, level.
        mmioWrite32(0xfec0_0000L, 0x10 + 2 * 10 + 1);
        mmioWrite32(0xfec0_0010L, 1 << 24);
        mmioWrite32(0xfec0_0000L, 0x10 + 2 * 10);
        mmioWrite32(0xfec0_0010L, 0x8000 | 0x50);
        io.outb(0x2000 + 10, 1);
        assertEquals(0x50, ap.acknowledgeInterrupt());
        io.outb(0x2000 + 10, 0);
        lapicWrite(ap, 0xb0, 0);
        assertEquals(0, ap.pendingEvents());
        assertEquals(17, PcPlatform.pciIntxGsi(1, 0));
        assertEquals("virtio@00:01.0", platform.deviceContext("virtio@00:01.0").name());
        assertThrows(IllegalArgumentException.class, () -> platform.deviceContext("x").irq(24));
    }

    @Test
    void acpiTablesAreInTheBiosAreaAndRewrittenOnReset() {
        long rsdp = platform.acpiTables().rsdp();
        assertTrue(rsdp >= 0xe_0000L && rsdp < 0x10_0000L);
        memory.write(rsdp, ByteBuffer.wrap(new byte[8]));
        platform.reset();
        byte[] sig = new byte[8];
        memory.read(rsdp, ByteBuffer.wrap(sig));
        assertEquals("RSD PTR ", new String(sig, StandardCharsets.US_ASCII));
        assertEquals(List.of(platform.acpiTables().region()), platform.reservedRegions());
    }

    @Test
    void powerButtonAndStateRoundTrip() {
        io.outw(0x602, 0x100);
        assertTrue(platform.pressPowerButton());
        io.outb(0x70, 0x10);
        io.outb(0x71, 0x5a); // CMOS NVRAM byte
        io.outl(0xe0, 0xcafe);
        Map<String, DeviceState> saved = platform.saveState();
        assertTrue(saved.keySet().containsAll(List.of("pic", "ioapic", "lapic0", "lapic1", "pit", "hpet", "acpi-pm",
                "rtc", "i8042", "com1", "pci-host", "fw-cfg", "pc-testdev", "debug-exit")), saved.keySet().toString());
        platform.reset();
        assertEquals(0, io.inl(0xe0));
        Map<String, DeviceState> copy = new HashMap<>();
        saved.forEach((k, v) -> copy.put(k, DeviceState.fromBytes(v.toBytes())));
        platform.restoreState(copy);
        assertEquals(0xcafe, io.inl(0xe0));
        io.outb(0x70, 0x10);
        assertEquals(0x5a, io.inb(0x71));
        assertEquals(0x100, io.inw(0x600) & 0x100, "power button status restored");
        copy.remove("pit");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> platform.restoreState(copy));
        assertTrue(e.getMessage().contains("pit"), e.getMessage());
    }

    @Test
    void firmwareDefaultsGiveRealModeGuestsThePicBasesAndTheBiosTick() {
        platform.firmwareDefaults();
        assertEquals(0xf000_0001, memory.readInt(8 * 4), "IVT vector 8: F000:0001, the master EOI stub");
        assertEquals(0xf000_0008, memory.readInt(0x73 * 4));
        assertEquals(0xf000_0000, memory.readInt(0x10 * 4));
        assertEquals((byte) 0xcf, memory.readByte(PcPlatform.BIOS_STUBS));
        io.outb(0x20, 0x0a);
        assertEquals(0xb8, io.inb(0x21));
        assertEquals(0x0e, io.inb(0x4d1), "IRQ 9-11 level");
        InterruptPort bsp = platform.interrupts(0);
        time.advance(56_000_000); // one 18.2 Hz tick
        assertEquals(EVENT_INTR, bsp.pendingEvents());
        assertEquals(0x08, bsp.acknowledgeInterrupt());
        io.outb(0x20, 0x20);
        // kvm-unit-tests' realmode "sti inhibit": outl 1 then 0 to pc-testdev's IRQ11 port.
        io.outb(0xa1, 0x00);
        io.outb(0x4d1, 0x00); // IRQ11 edge for this check
        io.outl(0x200b, 1);
        io.outl(0x200b, 0);
        assertEquals(0x73, bsp.acknowledgeInterrupt());
    }

    @Test
    void hpetLegacyReplacementCutsThePitOffIrq0() {
        platform.firmwareDefaults();
        InterruptPort bsp = platform.interrupts(0);
        mmioWrite32(0xfed0_0010L, 3); // HPET general config: ENABLE_CNF | LEG_RT_CNF
        time.advance(56_000_000 * 3); // three 18.2 Hz PIT ticks
        assertEquals(0, bsp.pendingEvents(), "the PIT's tick is cut off while the HPET owns IRQ0");
        mmioWrite32(0xfed0_0010L, 1); // legacy replacement off: the PIT reaches IRQ0 again
        time.advance(56_000_000);
        assertEquals(EVENT_INTR, bsp.pendingEvents());
        assertEquals(0x08, bsp.acknowledgeInterrupt());
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PcPlatform(memory, Bus.pio(), Bus.mmio(), 0, 2_000_000,
                console, new PcPlatform.Callbacks(() -> { }, () -> { }, s -> { }, (g, l) -> { }),
                new PcPlatform.Options(time, time, Clock.systemUTC(), 40, false)));
        assertThrows(IllegalArgumentException.class, () -> platform.interrupts(2));
    }
}
