package vmm.core.internal.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.core.hypervisor.InterruptPort.EVENT_INIT;
import static vmm.core.hypervisor.InterruptPort.EVENT_INTR;
import static vmm.core.hypervisor.InterruptPort.EVENT_NMI;
import static vmm.core.hypervisor.InterruptPort.EVENT_SIPI;
import static vmm.core.internal.irq.ApicTestRig.enable;
import static vmm.core.internal.irq.ApicTestRig.read;
import static vmm.core.internal.irq.ApicTestRig.write;

import org.junit.jupiter.api.Test;

import vmm.core.device.DeviceState;

class LocalApicTest {
    private final ApicTestRig rig = new ApicTestRig(2);
    private final LocalApic bsp = rig.apics[0];
    private final LocalApic ap = rig.apics[1];

    @Test
    void identityRegistersAndApicBase() {
        assertEquals(0, read(bsp, ApicRegisters.ID));
        assertEquals(1 << 24, read(ap, ApicRegisters.ID));
        assertEquals(0x50014, read(bsp, ApicRegisters.VERSION));
        assertEquals(0xfee0_0900L, bsp.apicBase(), "enabled, BSP");
        assertEquals(0xfee0_0800L, ap.apicBase());
        assertEquals(0xff, read(bsp, ApicRegisters.SVR));
        assertEquals(0x700, read(bsp, 0x350), "BSP LINT0 in ExtINT mode (virtual wire)");
        assertEquals(0x10000, read(ap, 0x350));
    }

    @Test
    void fixedInterruptFlowsThroughIrrIsrAndEoiWithTprGating() {
        enable(bsp);
        write(bsp, ApicRegisters.TPR, 0x50);
        bsp.accept(ApicBus.FIXED, 0x45, false);
        assertEquals(0, bsp.pendingEvents() & EVENT_INTR, "vector class 4 is below TPR 5");
        assertEquals(1 << 5, read(bsp, ApicRegisters.IRR + 0x20));
        bsp.setCr8(3);
        assertEquals(0x30, read(bsp, ApicRegisters.TPR));
        assertEquals(EVENT_INTR, bsp.pendingEvents());
        assertEquals(0x45, bsp.acknowledgeInterrupt());
        assertEquals(1 << 5, read(bsp, ApicRegisters.ISR + 0x20));
        assertEquals(0x40, read(bsp, ApicRegisters.PPR));
        bsp.accept(ApicBus.FIXED, 0x41, false);
        assertEquals(0, bsp.pendingEvents() & EVENT_INTR, "same class as the one in service");
        bsp.accept(ApicBus.FIXED, 0x61, false);
        assertEquals(0x61, bsp.acknowledgeInterrupt(), "higher class nests");
        write(bsp, ApicRegisters.EOI, 0);
        write(bsp, ApicRegisters.EOI, 0);
        assertEquals(0x41, bsp.acknowledgeInterrupt());
        write(bsp, ApicRegisters.EOI, 0);
        assertEquals(0, read(bsp, ApicRegisters.ISR + 0x20));
        assertEquals(0, bsp.pendingEvents());
    }

    @Test
    void softwareDisabledApicDropsFixedInterruptsAndMasksLvts() {
        bsp.accept(ApicBus.FIXED, 0x50, false);
        assertEquals(0, read(bsp, ApicRegisters.IRR + 0x20));
        enable(bsp);
        write(bsp, 0x320, 0x40);
        write(bsp, ApicRegisters.SVR, 0xff);
        assertEquals(0x10040, read(bsp, 0x320), "disabling masks the LVTs");
    }

    @Test
    void illegalVectorSetsErrorStatus() {
        enable(bsp);
        write(bsp, ApicRegisters.ICR_LOW, 0x4000 | 0x05); // fixed, vector 5, self would be illegal
        write(bsp, ApicRegisters.ESR, 0);
        assertEquals(1 << 5, read(bsp, ApicRegisters.ESR));
        write(bsp, ApicRegisters.ESR, 0);
        assertEquals(0, read(bsp, ApicRegisters.ESR));
    }

    @Test
    void selfIpiAndBroadcastShorthands() {
        enable(bsp);
        enable(ap);
        write(bsp, ApicRegisters.ICR_LOW, (1 << 18) | 0x4000 | 0x80);
        assertEquals(0x80, bsp.acknowledgeInterrupt());
        write(bsp, ApicRegisters.EOI, 0);
        assertEquals(0, ap.pendingEvents());
        write(bsp, ApicRegisters.ICR_LOW, (3 << 18) | 0x4000 | 0x81);
        assertEquals(0, bsp.pendingEvents() & EVENT_INTR, "all-but-self");
        assertEquals(0x81, ap.acknowledgeInterrupt());
        write(ap, ApicRegisters.EOI, 0);
        write(ap, ApicRegisters.ICR_HIGH, 0xff << 24);
        write(ap, ApicRegisters.ICR_LOW, 0x4000 | 0x82); // physical broadcast
        assertEquals(0x82, bsp.acknowledgeInterrupt());
        assertEquals(0x82, ap.acknowledgeInterrupt());
        assertEquals(0, read(ap, ApicRegisters.ICR_LOW) & (1 << 12), "delivery status idle");
    }

    @Test
    void logicalFlatAndClusterDestinations() {
        enable(bsp);
        enable(ap);
        write(bsp, ApicRegisters.LDR, 0x01 << 24);
        write(ap, ApicRegisters.LDR, 0x02 << 24);
        write(bsp, ApicRegisters.ICR_HIGH, 0x02 << 24);
        write(bsp, ApicRegisters.ICR_LOW, 0x800 | 0x4000 | 0x90);
        assertEquals(0x90, ap.acknowledgeInterrupt());
        assertEquals(0, bsp.pendingEvents());
        write(bsp, ApicRegisters.DFR, 0x0fff_ffff); // cluster model
        write(ap, ApicRegisters.DFR, 0x0fff_ffff);
        write(bsp, ApicRegisters.LDR, 0x31 << 24);
        write(ap, ApicRegisters.LDR, 0x21 << 24);
        write(ap, ApicRegisters.ICR_HIGH, 0x31 << 24);
        write(ap, ApicRegisters.ICR_LOW, 0x800 | 0x4000 | 0x91);
        assertEquals(0x91, bsp.acknowledgeInterrupt());
        assertEquals(0, ap.pendingEvents());
    }

    @Test
    void lowestPriorityPicksTheLowestProcessorPriority() {
        enable(bsp);
        enable(ap);
        write(bsp, ApicRegisters.TPR, 0x40);
        rig.apicBus.deliver(0xff, false, ApicBus.LOWEST_PRIORITY, 0x70, false, ApicBus.SHORTHAND_NONE, null);
        assertEquals(0x70, ap.acknowledgeInterrupt());
        assertEquals(0, bsp.pendingEvents());
    }

    @Test
    void initAndSipiStartAnAp() {
        write(bsp, ApicRegisters.ICR_HIGH, 1 << 24);
        write(bsp, ApicRegisters.ICR_LOW, 0x4500); // INIT, assert
        write(bsp, ApicRegisters.ICR_LOW, 0x8500); // INIT level de-assert: no effect
        assertEquals(EVENT_INIT, ap.pendingEvents());
        write(bsp, ApicRegisters.ICR_LOW, 0x4600 | 0x9a); // SIPI, page 0x9a
        assertEquals(EVENT_INIT | EVENT_SIPI, ap.pendingEvents());
        ap.acknowledgeInit();
        assertEquals(EVENT_SIPI, ap.pendingEvents());
        assertEquals(0x9a, ap.acknowledgeSipi());
        assertEquals(0, ap.pendingEvents());
        write(bsp, ApicRegisters.ICR_LOW, 0x4600 | 0x9b);
        assertEquals(0, ap.pendingEvents(), "a running AP ignores SIPI");
        write(ap, ApicRegisters.ICR_HIGH, 0);
        write(ap, ApicRegisters.ICR_LOW, 0x4400); // NMI to the BSP
        assertEquals(EVENT_NMI, bsp.pendingEvents());
        bsp.acknowledgeNmi();
        assertEquals(0, bsp.pendingEvents());
        // NMIs that arrive before the CPU looks queue two deep (as in KVM); more merge.
        for (int i = 0; i < 3; i++) {
            write(ap, ApicRegisters.ICR_LOW, 0x4400);
        }
        assertEquals(EVENT_NMI, bsp.pendingEvents());
        bsp.acknowledgeNmi();
        assertEquals(EVENT_NMI, bsp.pendingEvents());
        bsp.acknowledgeNmi();
        assertEquals(0, bsp.pendingEvents());
    }

    @Test
    void oneShotTimerExpiresLazilyAndCountsDown() {
        enable(bsp);
        write(bsp, 0x320, 0xee); // one-shot, vector 0xee
        write(bsp, ApicRegisters.TIMER_DIVIDE, 0xb); // divide by 1
        write(bsp, ApicRegisters.TIMER_INITIAL, 1_000_000); // 1 ms at 1 GHz
        rig.time.advance(400_000);
        assertEquals(600_000, read(bsp, ApicRegisters.TIMER_CURRENT));
        assertEquals(0, bsp.pendingEvents());
        rig.time.advance(600_000);
        assertEquals(EVENT_INTR, bsp.pendingEvents());
        assertEquals(0, read(bsp, ApicRegisters.TIMER_CURRENT));
        assertEquals(0xee, bsp.acknowledgeInterrupt());
        write(bsp, ApicRegisters.EOI, 0);
        rig.time.advance(5_000_000);
        assertEquals(0, bsp.pendingEvents(), "one shot");
    }

    @Test
    void periodicTimerReloadsAndModeChangesKeepTheCount() {
        enable(bsp);
        write(bsp, ApicRegisters.TIMER_DIVIDE, 0x3); // divide by 16
        write(bsp, 0x320, 0x20000 | 0xef);
        write(bsp, ApicRegisters.TIMER_INITIAL, 62_500); // 1 ms
        rig.time.advance(1_000_000);
        assertEquals(0xef, bsp.acknowledgeInterrupt());
        write(bsp, ApicRegisters.EOI, 0);
        rig.time.advance(250_000);
        assertEquals(46_875, read(bsp, ApicRegisters.TIMER_CURRENT), "reloaded");
        write(bsp, 0x320, 0xef); // to one-shot: counting goes on
        assertEquals(46_875, read(bsp, ApicRegisters.TIMER_CURRENT));
        rig.time.advance(750_000);
        assertEquals(0xef, bsp.acknowledgeInterrupt());
        write(bsp, 0x320, 0x20000 | 0xef);
        assertEquals(0, read(bsp, ApicRegisters.TIMER_CURRENT), "expired one-shot stays at zero");
        assertEquals(0x20000 | 0xef, read(bsp, 0x320));
    }

    @Test
    void oneShotSwitchedToPeriodicMidCountKeepsCountingAndReloads() {
        // kvm-unit-tests apic's test_apic_change_mode, second half.
        enable(bsp);
        int tmict = 0x999999;
        write(bsp, ApicRegisters.TIMER_INITIAL, tmict);
        write(bsp, 0x320, 0x20000 | read(bsp, 0x320));
        assertEquals(tmict, read(bsp, ApicRegisters.TIMER_INITIAL));
        write(bsp, 0x320, read(bsp, 0x320) & ~0x60000);
        write(bsp, ApicRegisters.TIMER_INITIAL, tmict);
        assertNotEquals(0, read(bsp, ApicRegisters.TIMER_CURRENT));
        rig.time.advance(25_000_000);
        assertEquals(0, read(bsp, ApicRegisters.TIMER_CURRENT));
        write(bsp, ApicRegisters.TIMER_INITIAL, tmict);
        rig.time.advance(12_000_000);
        assertTrue(read(bsp, ApicRegisters.TIMER_CURRENT) <= tmict / 2);
        write(bsp, 0x320, (read(bsp, 0x320) & ~0x60000) | 0x20000);
        int left = read(bsp, ApicRegisters.TIMER_CURRENT);
        assertTrue(left > 0 && left < tmict / 2, "continues: " + left);
        rig.time.advance(9_000_000);
        assertTrue(read(bsp, ApicRegisters.TIMER_CURRENT) > tmict / 2, "reloaded from the initial count");
    }

    @Test
    void tscDeadlineTimer() {
        enable(bsp);
        write(bsp, ApicRegisters.TIMER_INITIAL, 1000);
        write(bsp, 0x320, 0x40000 | 0xec);
        assertEquals(0, read(bsp, ApicRegisters.TIMER_INITIAL), "entering TSC-deadline mode stops the count");
        long tsc = bsp.tsc();
        bsp.setTscDeadline(tsc + 2_000_000); // 1 ms at 2 GHz
        assertEquals(tsc + 2_000_000, bsp.tscDeadline());
        rig.time.advance(999_000);
        assertEquals(0, bsp.pendingEvents());
        rig.time.advance(1_000);
        assertEquals(EVENT_INTR, bsp.pendingEvents());
        assertEquals(0, bsp.tscDeadline(), "cleared once it fired");
        assertEquals(0xec, bsp.acknowledgeInterrupt());
        write(bsp, ApicRegisters.EOI, 0);
        // A vCPU whose TSC has its own origin gives its TSC now: the deadline is relative to it.
        bsp.setTscDeadline(5_000 + 4_000_000, 5_000); // 2 ms ahead on that TSC
        rig.time.advance(1_999_000);
        assertEquals(0, bsp.pendingEvents());
        rig.time.advance(1_000);
        assertEquals(0xec, bsp.acknowledgeInterrupt());
    }

    @Test
    void awaitReturnsAtTheTimerDeadlineAndOnWake() throws InterruptedException {
        LocalApic real = new LocalApic(0, new ApicBus(), vmm.core.internal.timer.TimeSource.SYSTEM, 2_000_000,
                null, LocalApic.DEFAULT_PHYS_BITS);
        enable(real);
        write(real, ApicRegisters.TIMER_DIVIDE, 0xb);
        write(real, 0x320, 0x30);
        write(real, ApicRegisters.TIMER_INITIAL, 20_000_000); // 20 ms
        long start = System.nanoTime();
        real.await(5_000_000_000L);
        long waited = System.nanoTime() - start;
        assertEquals(EVENT_INTR, real.pendingEvents());
        assertTrue(waited >= 19_000_000 && waited < 2_000_000_000L, "woke at the deadline: " + waited);
        real.acknowledgeInterrupt();
        Thread waker = new Thread(() -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            real.wake();
        });
        start = System.nanoTime();
        waker.start();
        real.await(5_000_000_000L);
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "wake() ends the wait");
        waker.join();
    }

    @Test
    void disablingThroughTheBaseMsrResetsAndReenablingWorks() {
        enable(bsp);
        write(bsp, ApicRegisters.TPR, 0x20);
        write(bsp, ApicRegisters.LDR, 0x5 << 24);
        assertTrue(bsp.setApicBase(0xfee0_0000L));
        assertFalse(bsp.hardwareEnabled());
        bsp.accept(ApicBus.FIXED, 0x40, false);
        assertTrue(bsp.setApicBase(0xfee0_0800L));
        assertEquals(0xfee0_0900L, bsp.apicBase(), "BSP bit is the CPU's, not the guest's");
        assertEquals(0xff, read(bsp, ApicRegisters.SVR));
        assertEquals(0, read(bsp, ApicRegisters.LDR));
        assertEquals(0x50014, read(bsp, ApicRegisters.VERSION));
        assertFalse(bsp.setApicBase(0xfee0_0801L), "reserved low bit");
        assertFalse(bsp.setApicBase(0xfee0_0400L), "x2APIC (EXTD) without EN");
        assertFalse(bsp.setApicBase(0xfee0_0800L | (1L << 40)), "beyond MAXPHYADDR");
        assertTrue(bsp.setApicBase(0xfed4_0800L));
        assertEquals(0xfed4_0900L, bsp.apicBase());
    }

    @Test
    void stateRoundTripsWithTheTimerRunning() {
        enable(bsp);
        write(bsp, ApicRegisters.TPR, 0x30);
        write(bsp, ApicRegisters.TIMER_DIVIDE, 0xb);
        write(bsp, 0x320, 0x20000 | 0x44);
        write(bsp, ApicRegisters.TIMER_INITIAL, 1_000_000);
        bsp.accept(ApicBus.FIXED, 0x99, true);
        rig.time.advance(300_000);
        DeviceState saved = bsp.registers().saveState();
        LocalApic copy = new ApicTestRig(1).apics[0];
        copy.registers().restoreState(DeviceState.fromBytes(saved.toBytes()));
        assertEquals(0x30, read(copy, ApicRegisters.TPR));
        assertEquals(1 << (0x99 - 0x80), read(copy, ApicRegisters.TMR + 0x40));
        assertNotEquals(0, read(copy, ApicRegisters.TIMER_CURRENT));
        assertEquals(0x99, copy.acknowledgeInterrupt());
        bsp.registers().reset();
        assertEquals(0, read(bsp, ApicRegisters.TPR));
        assertEquals(0, bsp.pendingEvents());
    }
}
