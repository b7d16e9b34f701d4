package vmm.core.internal.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;

class I8042Test {
    private final AtomicInteger resets = new AtomicInteger();
    private final RecordingIrq irq1 = new RecordingIrq();
    private PortIo io;

    @BeforeEach
    void plugIn() {
        Bus bus = Bus.pio();
        bus.insert(new I8042(resets::incrementAndGet, irq1), I8042.BASE_PORT, I8042.PORTS);
        io = new PortIo(bus);
    }

    @Test
    void commandFeOnPort64ResetsTheMachine() {
        assertEquals(0, resets.get());
        io.outb(0x64, 0xfe);
        assertEquals(1, resets.get());
    }

    @Test
    void outputPortWithTheResetBitLowResetsToo() {
        io.outb(0x64, 0xd1);
        io.outb(0x60, 0xdf); // reset line (bit 0) still high: nothing
        assertEquals(0, resets.get());
        io.outb(0x64, 0xd1);
        io.outb(0x60, 0xfe);
        assertEquals(1, resets.get());
    }

    @Test
    void statusPortReportsTheOutputBuffer() {
        int idle = io.inb(0x64);
        assertEquals(0, idle & 0x01, "nothing to read");
        assertEquals(0x04, idle & 0x04, "system flag: POST passed");
        io.outb(0x64, 0xaa); // controller self-test
        assertEquals(0x01, io.inb(0x64) & 0x01);
        assertEquals(0x08, io.inb(0x64) & 0x08, "last write was a command");
        assertEquals(0x55, io.inb(0x60));
        assertEquals(0, io.inb(0x64) & 0x01);
    }

    @Test
    void controlByteReadsBackAndGatesIrq1() {
        io.outb(0x64, 0x20);
        int control = io.inb(0x60);
        assertEquals(0x01, control & 0x01, "keyboard interrupt enabled at power-on");
        assertFalse(irq1.level, "the byte was read: line low again");
        io.outb(0x64, 0x60);
        io.outb(0x60, 0x44); // interrupts off
        io.outb(0x64, 0x20);
        assertFalse(irq1.level);
        assertEquals(0x44, io.inb(0x60));
        io.outb(0x60, 0xff); // keyboard reset, with interrupts back on
        io.outb(0x64, 0x60);
        io.outb(0x60, 0x45);
        assertTrue(irq1.level, "ACK waiting and interrupt enabled");
        assertEquals(0xfa, io.inb(0x60));
        assertEquals(0xaa, io.inb(0x60));
        assertFalse(irq1.level);
    }

    @Test
    void stateKeepsControlByteAndPendingOutput() {
        I8042 source = new I8042(resets::incrementAndGet, irq1);
        source.write(4, new byte[] {(byte) 0xaa});
        RecordingIrq otherIrq = new RecordingIrq();
        I8042 copy = new I8042(resets::incrementAndGet, otherIrq);
        copy.restoreState(vmm.core.device.DeviceState.fromBytes(source.saveState().toBytes()));
        assertTrue(otherIrq.level, "a waiting byte with interrupts on raises IRQ 1 after restore");
        byte[] data = new byte[1];
        copy.read(0, data);
        assertEquals(0x55, data[0]);
    }
}
