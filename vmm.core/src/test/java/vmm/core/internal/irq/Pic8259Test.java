package vmm.core.internal.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.device.DeviceState;

class Pic8259Test {
    private final AtomicInteger outputChanges = new AtomicInteger();
    private Pic8259 pic;
    private Bus bus;

    @BeforeEach
    void wire() {
        pic = new Pic8259(outputChanges::incrementAndGet);
        bus = Bus.pio();
        bus.insert(pic.master(), Pic8259.MASTER, 2);
        bus.insert(pic.slave(), Pic8259.SLAVE, 2);
        bus.insert(pic.elcr(), Pic8259.ELCR, 2);
    }

    void out(int port, int value) {
        bus.write(port, new byte[] {(byte) value});
    }

    int in(int port) {
        byte[] b = new byte[1];
        bus.read(port, b);
        return b[0] & 0xff;
    }

    /** The initialisation Linux and BIOSes do: ICW1-4, vectors at masterBase/slaveBase. */
    void init(int masterBase, int slaveBase, int icw4) {
        out(0x20, 0x11);
        out(0x21, masterBase);
        out(0x21, 0x04);
        out(0x21, icw4);
        out(0xa0, 0x11);
        out(0xa1, slaveBase);
        out(0xa1, 0x02);
        out(0xa1, icw4);
        out(0x21, 0x00);
        out(0xa1, 0x00);
    }

    @Test
    void edgeInterruptIsAcknowledgedWithItsVectorAndRetiredByEoi() {
        init(0x08, 0x70, 0x01); // real-mode BIOS bases
        assertFalse(pic.output());
        pic.setIrq(0, true);
        assertTrue(pic.output());
        assertTrue(outputChanges.get() > 0);
        assertEquals(0x08, pic.acknowledge());
        assertFalse(pic.output(), "in service blocks lower and equal priority");
        out(0x20, 0x0b); // OCW3: read ISR
        assertEquals(0x01, in(0x20));
        pic.setIrq(0, false);
        pic.setIrq(0, true);
        assertFalse(pic.output(), "same IRQ waits for the EOI");
        out(0x20, 0x20); // non-specific EOI
        assertTrue(pic.output());
        assertEquals(0x08, pic.acknowledge());
    }

    @Test
    void slaveInterruptsCascadeThroughIrq2() {
        init(0x20, 0x28, 0x01);
        pic.setIrq(12, true);
        assertTrue(pic.output());
        assertEquals(0x2c, pic.acknowledge());
        out(0xa0, 0x0b);
        assertEquals(0x10, in(0xa0), "slave ISR bit 4");
        out(0x20, 0x0b);
        assertEquals(0x04, in(0x20), "master ISR bit 2 (cascade)");
        out(0xa0, 0x20);
        out(0x20, 0x20);
        out(0xa0, 0x0b);
        assertEquals(0, in(0xa0));
    }

    @Test
    void maskedLinesAreHeldInIrrAndPriorityOrdersRequests() {
        init(0x20, 0x28, 0x01);
        out(0x21, 0x02); // mask IRQ1
        pic.setIrq(1, true);
        assertFalse(pic.output());
        out(0x20, 0x0a); // read IRR
        assertEquals(0x02, in(0x20));
        pic.setIrq(4, true);
        pic.setIrq(3, true);
        assertEquals(0x23, pic.acknowledge(), "IRQ3 outranks IRQ4");
        out(0x21, 0x00);
        // IRQ1 outranks the in-service IRQ3, so it nests.
        assertEquals(0x21, pic.acknowledge());
        out(0x20, 0x20); // retires IRQ1 (highest in service)
        out(0x20, 0x20); // retires IRQ3
        assertEquals(0x24, pic.acknowledge());
    }

    @Test
    void spuriousInterruptGivesIrq7Vector() {
        init(0x20, 0x28, 0x01);
        assertEquals(0x27, pic.acknowledge());
        out(0x20, 0x0b);
        assertEquals(0, in(0x20), "spurious IRQ7 sets no ISR bit");
    }

    @Test
    void levelTriggeredLinesPerElcrStayRequestedWhileHigh() {
        init(0x20, 0x28, 0x01);
        out(0x4d1, 0x02); // IRQ9 level
        assertEquals(0x02, in(0x4d1));
        out(0x4d0, 0xff);
        assertEquals(0xf8, in(0x4d0), "IRQ0-2 are always edge");
        pic.setIrq(9, true);
        assertEquals(0x29, pic.acknowledge());
        out(0xa0, 0x20);
        out(0x20, 0x20);
        assertTrue(pic.output(), "still high: requested again");
        pic.setIrq(9, false);
        // The cascade input latched an edge; with the request gone the INTA cycle finds
        // nothing on the slave: the spurious IRQ15 vector.
        assertEquals(0x2f, pic.acknowledge());
        assertFalse(pic.output());
    }

    @Test
    void autoEoiLeavesNothingInService() {
        init(0x20, 0x28, 0x03);
        pic.setIrq(5, true);
        assertEquals(0x25, pic.acknowledge());
        out(0x20, 0x0b);
        assertEquals(0, in(0x20));
    }

    @Test
    void pollCommandAcknowledgesThroughTheCommandPort() {
        init(0x20, 0x28, 0x01);
        pic.setIrq(6, true);
        out(0x20, 0x0c); // OCW3 poll
        assertEquals(0x86, in(0x20));
        out(0x20, 0x0c);
        assertEquals(0x00, in(0x20), "nothing else pending");
    }

    @Test
    void rotationAndSpecificEoi() {
        init(0x20, 0x28, 0x01);
        pic.setIrq(1, true);
        assertEquals(0x21, pic.acknowledge());
        out(0x20, 0x60 | 1); // specific EOI for IRQ1
        out(0x20, 0x0b);
        assertEquals(0, in(0x20));
        out(0x20, 0xc0 | 4); // set priority: IRQ5 highest
        pic.setIrq(3, true);
        pic.setIrq(6, true);
        assertEquals(0x26, pic.acknowledge(), "IRQ6 ranks above IRQ3 after rotation");
    }

    @Test
    void specialMaskModeLetsLowerPrioritiesThrough() {
        init(0x20, 0x28, 0x01);
        pic.setIrq(3, true);
        assertEquals(0x23, pic.acknowledge());
        pic.setIrq(5, true);
        assertFalse(pic.output());
        out(0x21, 0x08); // mask IRQ3
        out(0x20, 0x68); // OCW3: set special mask
        assertTrue(pic.output());
        assertEquals(0x25, pic.acknowledge());
    }

    @Test
    void stateSurvivesSaveAndRestore() {
        init(0x30, 0x38, 0x01);
        out(0x21, 0x5a);
        pic.setIrq(1, true);
        DeviceState saved = pic.saveState();
        Pic8259 other = new Pic8259(() -> { });
        other.restoreState(DeviceState.fromBytes(saved.toBytes()));
        assertEquals(0x5a, other.registers(0)[2]);
        other.writePort(0, 1, 0);
        assertEquals(0x31, other.acknowledge());
        pic.reset();
        assertEquals(0, pic.registers(0)[2]);
        assertFalse(pic.output());
    }
}
