package vmm.core.internal.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.core.hypervisor.InterruptPort.EVENT_INTR;
import static vmm.core.internal.irq.ApicTestRig.read;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/** The x2APIC mode: IA32_APIC_BASE transitions, the MSR interface, 32-bit destinations. */
class X2ApicTest {
    private static final long EN = 1L << 11;
    private static final long EXTD = 1L << 10;
    private final ApicTestRig rig = new ApicTestRig(2);
    private final LocalApic bsp = rig.apics[0];
    private final LocalApic ap = rig.apics[1];

    private static void x2(LocalApic apic) {
        assertTrue(apic.setApicBase(apic.apicBase() | EXTD));
        assertTrue(apic.writeX2apicMsr(0x80f, 0x1ff));
    }

    @Test
    void baseTransitionsFollowTheSdm() {
        long base = bsp.apicBase() & ~(EN | EXTD);
        assertFalse(bsp.setApicBase(base | EXTD), "EXTD without EN");
        assertTrue(bsp.setApicBase(base | EN | EXTD), "xAPIC to x2APIC");
        assertFalse(bsp.setApicBase(base | EN), "x2APIC straight back to xAPIC");
        assertTrue(bsp.setApicBase(base), "x2APIC to disabled");
        assertFalse(bsp.setApicBase(base | EN | EXTD), "disabled straight to x2APIC");
        assertTrue(bsp.setApicBase(base | EN));
        assertTrue(bsp.x2apicSupported());
    }

    @Test
    void msrsExistOnlyInX2apicModeAndKeepTheirAccessRules() {
        assertTrue(bsp.readX2apicMsr(0x803).isEmpty(), "xAPIC mode: the MSRs #GP");
        assertFalse(bsp.writeX2apicMsr(0x808, 0));
        x2(ap);
        assertEquals(OptionalLong.of(1), ap.readX2apicMsr(0x802), "32-bit ID = initial APIC ID");
        assertEquals(OptionalLong.of(0x50014), ap.readX2apicMsr(0x803));
        assertEquals(OptionalLong.of(2), ap.readX2apicMsr(0x80d), "logical ID: cluster 0, bit 1");
        assertFalse(ap.writeX2apicMsr(0x802, 5), "ID is read-only");
        assertFalse(ap.writeX2apicMsr(0x80d, 0), "LDR is read-only");
        assertTrue(ap.readX2apicMsr(0x80e).isEmpty(), "no DFR");
        assertTrue(ap.readX2apicMsr(0x831).isEmpty(), "no ICR2");
        assertTrue(ap.readX2apicMsr(0x80b).isEmpty(), "EOI is write-only");
        assertTrue(ap.readX2apicMsr(0x83f).isEmpty(), "SELF IPI is write-only");
        assertFalse(ap.writeX2apicMsr(0x80b, 1), "EOI takes only 0");
        assertFalse(ap.writeX2apicMsr(0x808, 1L << 32), "bits 63:32 reserved");
        assertFalse(ap.writeX2apicMsr(0x83f, 0x100), "SELF IPI bits 31:8 reserved");
        assertTrue(ap.writeX2apicMsr(0x808, 0x20));
        assertEquals(OptionalLong.of(0x20), ap.readX2apicMsr(0x808));
        assertEquals(0x2, ap.cr8());
    }

    @Test
    void selfIpiAndEoiThroughMsrs() {
        x2(bsp);
        assertTrue(bsp.writeX2apicMsr(0x83f, 0x51));
        assertEquals(EVENT_INTR, bsp.pendingEvents() & EVENT_INTR);
        assertEquals(0x51, bsp.acknowledgeInterrupt());
        assertEquals(OptionalLong.of(1L << 17), bsp.readX2apicMsr(0x812), "ISR bit 0x51");
        assertTrue(bsp.writeX2apicMsr(0x80b, 0));
        assertEquals(OptionalLong.of(0), bsp.readX2apicMsr(0x812));
    }

    @Test
    void sixtyFourBitIcrAddsA32BitDestination() {
        x2(bsp);
        ApicTestRig.enable(ap); // the target stays in xAPIC mode: mixed modes still talk
        assertFalse(bsp.writeX2apicMsr(0x830, 1L << 13), "reserved ICR bit");
        assertTrue(bsp.writeX2apicMsr(0x830, (1L << 32) | 0x4062));
        assertEquals(OptionalLong.of((1L << 32) | 0x4062), bsp.readX2apicMsr(0x830));
        assertEquals(0x62, ap.acknowledgeInterrupt());
        ApicTestRig.write(ap, ApicRegisters.EOI, 0);
        x2(ap);
        assertTrue(bsp.writeX2apicMsr(0x830, (0xffff_ffffL << 32) | 0x4063), "physical broadcast 0xFFFFFFFF");
        assertEquals(0x63, ap.acknowledgeInterrupt());
        assertEquals(0x63, bsp.acknowledgeInterrupt());
        assertTrue(ap.writeX2apicMsr(0x80b, 0));
        assertTrue(bsp.writeX2apicMsr(0x830, (0x2L << 32) | 0x4864), "logical: cluster 0, bit 1 = APIC 1");
        assertEquals(0x64, ap.acknowledgeInterrupt());
        assertEquals(0, bsp.pendingEvents() & EVENT_INTR);
    }

    @Test
    void disablingLeavesX2apicModeAndTheMmioPageComesBackAsXapic() {
        x2(ap);
        assertTrue(ap.setApicBase(ap.apicBase() & ~(EN | EXTD)));
        assertTrue(ap.setApicBase(ap.apicBase() | EN));
        assertEquals(1 << 24, read(ap, ApicRegisters.ID));
        assertEquals(0xff, read(ap, ApicRegisters.SVR), "reset state");
    }
}
