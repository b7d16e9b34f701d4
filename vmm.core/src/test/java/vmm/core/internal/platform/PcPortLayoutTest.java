package vmm.core.internal.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.List;

import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.bus.BusConflictException;
import vmm.core.bus.BusRange;
import vmm.core.device.IrqLine;

/** Every platform device at its PC address on one port bus, as the machine will place them. */
class PcPortLayoutTest {

    @Test
    void theLegacyDevicesShareThePortSpaceWithoutOverlapAndTheRestFloats() {
        Bus pio = Bus.pio();
        pio.insert("i8042", new I8042(() -> { }, IrqLine.NONE), I8042.BASE_PORT, I8042.PORTS);
        pio.insert("cmos", new CmosRtc(Clock.systemUTC()), CmosRtc.BASE_PORT, CmosRtc.PORTS);
        pio.insert("debug-exit", new DebugExit(status -> { }), DebugExit.PORT, DebugExit.PORTS);
        pio.insert("com2", new Serial16550(IrqLine.NONE, new ByteArrayOutputStream()), 0x2f8, 8);
        pio.insert("com1", new Serial16550(IrqLine.NONE, new ByteArrayOutputStream()), 0x3f8, 8);
        pio.insert("pci", new PciHostBridge(() -> { }), PciHostBridge.BASE_PORT, PciHostBridge.PORTS);
        assertEquals(List.of("i8042", "cmos", "debug-exit", "com2", "com1", "pci"),
                pio.ranges().stream().map(BusRange::name).toList());

        PortIo io = new PortIo(pio);
        assertEquals(0xff, io.inb(0x80), "POST port: nobody");
        assertEquals(0xffff, io.inw(0x1f0), "no IDE yet");
        assertEquals(0xffffffff, io.inl(0xc000));
        assertEquals(0xff, io.inb(0x3e8), "no COM3");
        assertTrue(pio.unclaimedAccesses() >= 4);

        BusConflictException e = assertThrows(BusConflictException.class,
                () -> pio.insert("com1-again", new Serial16550(IrqLine.NONE, new ByteArrayOutputStream()), 0x3f8, 8));
        assertEquals("pio: com1-again [0x3f8-0x3ff] overlaps com1 [0x3f8-0x3ff]", e.getMessage());
    }
}
