package vmm.core.internal.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.core.hypervisor.InterruptPort.EVENT_INTR;
import static vmm.core.hypervisor.InterruptPort.EVENT_NMI;
import static vmm.core.internal.irq.ApicTestRig.enable;
import static vmm.core.internal.irq.ApicTestRig.read;
import static vmm.core.internal.irq.ApicTestRig.write;

import org.junit.jupiter.api.Test;

import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;

/** IOAPIC pins, MSIs and the PIC's virtual wire through to the local APICs and back. */
class InterruptRoutingTest {
    private final ApicTestRig rig = new ApicTestRig(2);
    private final LocalApic bsp = rig.apics[0];
    private final LocalApic ap = rig.apics[1];

    @Test
    void ioApicIdentifiesItself() {
        assertEquals(0x00170020, rig.ioRead(1));
        rig.ioWrite(0, 0x0a00_0000);
        assertEquals(0x0a00_0000, rig.ioRead(0));
        assertEquals(0x10000, rig.ioRead(0x10 + 2 * 5), "entries start masked");
    }

    @Test
    void levelPinDeliversOnceUntilEoiClearsRemoteIrr() {
        enable(bsp);
        rig.route(16, IoApic.LEVEL | 0x61); // to APIC 0, level, vector 0x61
        IrqLine intx = rig.gsi.line(16);
        intx.set(true);
        assertEquals(EVENT_INTR, bsp.pendingEvents());
        assertTrue((rig.ioApic.entry(16) & IoApic.REMOTE_IRR) != 0);
        assertEquals(0x61, bsp.acknowledgeInterrupt());
        assertEquals(1, read(bsp, ApicRegisters.TMR + 0x30) >>> 1 & 1, "TMR marks it level");
        write(bsp, ApicRegisters.EOI, 0);
        // Still asserted: the EOI broadcast makes the IOAPIC deliver again.
        assertEquals(0x61, bsp.acknowledgeInterrupt());
        intx.set(false);
        write(bsp, ApicRegisters.EOI, 0);
        assertEquals(0, rig.ioApic.entry(16) & IoApic.REMOTE_IRR);
        assertEquals(0, bsp.pendingEvents());
    }

    @Test
    void sharedLevelLineStaysAssertedWhileAnySourceHoldsIt() {
        enable(bsp);
        rig.route(17, IoApic.LEVEL | 0x62);
        IrqLine a = rig.gsi.line(17);
        IrqLine b = rig.gsi.line(17);
        a.set(true);
        b.set(true);
        a.set(false);
        assertTrue(rig.gsi.asserted(17));
        assertEquals(0x62, bsp.acknowledgeInterrupt());
        write(bsp, ApicRegisters.EOI, 0);
        assertEquals(0x62, bsp.acknowledgeInterrupt(), "b still asserts it");
        b.set(false);
        write(bsp, ApicRegisters.EOI, 0);
        assertEquals(0, bsp.pendingEvents());
    }

    @Test
    void edgesWhileMaskedAreLostAndIrq0UsesPin2() {
        enable(ap);
        rig.pic.writePort(0, 1, 0xff);
        rig.route(2, IoApic.MASKED | (1L << 56) | 0x30);
        IrqLine pit = rig.gsi.line(0);
        pit.pulse();
        assertEquals(0, ap.pendingEvents());
        rig.route(2, (1L << 56) | 0x30);
        assertEquals(0, ap.pendingEvents(), "the masked edge is gone (kvm-unit-tests ioapic edge_mask)");
        pit.pulse();
        assertEquals(0x30, ap.acknowledgeInterrupt());
        write(ap, ApicRegisters.EOI, 0);
        pit.pulse();
        assertEquals(0x30, ap.acknowledgeInterrupt());
    }

    @Test
    void ioApicEoiRegisterAndLogicalAndNmiDelivery() {
        enable(bsp);
        enable(ap);
        rig.pic.writePort(0, 1, 0xff); // the 8259s masked, as an IOAPIC-using guest leaves them
        write(ap, ApicRegisters.LDR, 0x02 << 24);
        rig.route(9, (0x02L << 56) | (1 << 11) | IoApic.LEVEL | 0x79); // logical to ap
        IrqLine sci = rig.gsi.line(9);
        sci.set(true);
        assertEquals(0x79, ap.acknowledgeInterrupt());
        assertEquals(0, bsp.pendingEvents() & EVENT_INTR);
        rig.mmioWrite(IoApic.BASE + 0x40, 0x79); // directed EOI through the IOAPIC
        assertTrue((rig.ioApic.entry(9) & IoApic.REMOTE_IRR) != 0, "delivered again at once");
        sci.set(false);
        rig.route(10, (4 << 8) | 0x00); // NMI to APIC 0
        rig.gsi.line(10).pulse();
        assertEquals(EVENT_NMI, bsp.pendingEvents() & EVENT_NMI);
    }

    @Test
    void msiReachesTheAddressedApic() {
        enable(bsp);
        enable(ap);
        rig.apicBus.signal(0xfee0_1000L, 0x4055); // APIC 1, fixed, vector 0x55
        assertEquals(0x55, ap.acknowledgeInterrupt());
        assertEquals(0, bsp.pendingEvents());
        rig.apicBus.signal(0xfee0_0000L, 0x0456); // NMI (mode 4) to APIC 0
        assertEquals(EVENT_NMI, bsp.pendingEvents());
        rig.apicBus.signal(0x1234_0000L, 0x57); // not an interrupt address
        assertEquals(0, ap.pendingEvents());
    }

    @Test
    void picReachesTheBspThroughLint0InExtIntMode() {
        // Real-mode BIOS programming: master at 0x08, slave at 0x70.
        rig.pic.writePort(0, 0, 0x11);
        rig.pic.writePort(0, 1, 0x08);
        rig.pic.writePort(0, 1, 0x04);
        rig.pic.writePort(0, 1, 0x01);
        rig.pic.writePort(0, 1, 0x00);
        rig.gsi.line(0).pulse();
        assertEquals(EVENT_INTR, bsp.pendingEvents(), "software-disabled APIC, LINT0 ExtINT: virtual wire");
        assertEquals(0, ap.pendingEvents(), "only the BSP is wired");
        assertEquals(0x08, bsp.acknowledgeInterrupt());
        rig.pic.writePort(0, 0, 0x20);
        enable(bsp);
        write(bsp, 0x350, 0x10700); // mask LINT0
        rig.gsi.line(1).pulse();
        assertEquals(0, bsp.pendingEvents(), "masked LINT0 cuts the wire");
        bsp.setApicBase(0xfee0_0000L); // hardware-disabled APIC: the PIC goes straight to the CPU
        assertEquals(EVENT_INTR, bsp.pendingEvents());
        assertEquals(0x09, bsp.acknowledgeInterrupt());
    }

    @Test
    void extIntMessageFromTheIoApicRunsAnIntaCycle() {
        rig.pic.writePort(0, 0, 0x11);
        rig.pic.writePort(0, 1, 0x20);
        rig.pic.writePort(0, 1, 0x04);
        rig.pic.writePort(0, 1, 0x01);
        rig.pic.writePort(0, 1, 0x00);
        enable(ap);
        rig.route(2, (1L << 56) | (7 << 8));
        rig.gsi.line(0).pulse();
        assertEquals(EVENT_INTR, ap.pendingEvents());
        assertEquals(0x20, ap.acknowledgeInterrupt());
    }

    @Test
    void ipiBetweenThreadsWakesAWaitingApic() throws InterruptedException {
        LocalApic real0 = new LocalApic(0, new ApicBus(), vmm.core.internal.timer.TimeSource.SYSTEM, 1_000_000, null, 40);
        ApicBus bus = new ApicBus();
        LocalApic s = new LocalApic(0, bus, vmm.core.internal.timer.TimeSource.SYSTEM, 1_000_000, null, 40);
        LocalApic r = new LocalApic(1, bus, vmm.core.internal.timer.TimeSource.SYSTEM, 1_000_000, null, 40);
        enable(r);
        assertEquals(0, real0.pendingEvents());
        Thread sender = new Thread(() -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            write(s, ApicRegisters.ICR_HIGH, 1 << 24);
            write(s, ApicRegisters.ICR_LOW, 0x4000 | 0xa0);
        });
        sender.start();
        long start = System.nanoTime();
        r.await(10_000_000_000L);
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
        assertEquals(0xa0, r.acknowledgeInterrupt());
        sender.join();
    }

    @Test
    void ioApicStateRoundTripsAndLinesAreChecked() {
        rig.route(20, IoApic.LEVEL | 0x44);
        DeviceState saved = rig.ioApic.saveState();
        IoApic other = new IoApic(new ApicBus());
        other.restoreState(DeviceState.fromBytes(saved.toBytes()));
        assertEquals(rig.ioApic.entry(20), other.entry(20));
        rig.ioApic.reset();
        assertEquals(IoApic.MASKED, rig.ioApic.entry(20));
        assertThrows(IllegalArgumentException.class, () -> rig.gsi.line(24));
    }
}
