package vmm.core.internal.irq;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.core.hypervisor.InterruptPort.EVENT_INTR;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import vmm.core.device.IrqLine;
import vmm.core.internal.timer.TimeSource;

/**
 * Two vCPU threads taking interrupts and sending each other IPIs while a device thread drives
 * a level IOAPIC pin, MSIs and a PIC line: everything arrives, nothing deadlocks.
 */
class InterruptConcurrencyTest {

    @Test
    void vcpusAndDevicesHammerTheControllersWithoutDeadlock() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), this::hammer);
    }

    private void hammer() throws InterruptedException {
        ApicBus bus = new ApicBus();
        LocalApic[] apics = new LocalApic[2];
        Pic8259 pic = new Pic8259(() -> {
            if (apics[0] != null) {
                apics[0].picChanged();
            }
        });
        apics[0] = new LocalApic(0, bus, TimeSource.SYSTEM, 1_000_000, pic, 40);
        apics[1] = new LocalApic(1, bus, TimeSource.SYSTEM, 1_000_000, pic, 40);
        IoApic ioApic = new IoApic(bus);
        GsiRouter router = new GsiRouter(pic, ioApic);
        pic.initialize(0x20, 0x28, 0xf7, 0xff, 0); // only IRQ3 open
        for (LocalApic a : apics) {
            ApicTestRig.enable(a);
        }
        ioApic.write(0, new byte[] {0x10 + 32, 0, 0, 0});
        ioApic.write(0x10, new byte[] {0x50, (byte) 0x80, 0, 0}); // pin 16: vector 0x50, level, APIC 0
        ConcurrentHashMap<Integer, AtomicInteger> taken = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        IrqLine level16 = router.line(16);
        IrqLine edge3 = router.line(3);

        Thread[] vcpus = new Thread[2];
        for (int i = 0; i < 2; i++) {
            LocalApic me = apics[i];
            int other = 1 - i;
            vcpus[i] = new Thread(() -> {
                try {
                    int sent = 0;
                    while (!stop.get()) {
                        if ((me.pendingEvents() & EVENT_INTR) != 0) {
                            int v = me.acknowledgeInterrupt();
                            if (v < 0) {
                                continue;
                            }
                            taken.computeIfAbsent(v, k -> new AtomicInteger()).incrementAndGet();
                            if (v == 0x23) {
                                pic.writePort(0, 0, 0x20);
                            } else {
                                if (v == 0x50) {
                                    level16.set(false); // the driver quiets its device before the EOI
                                }
                                ApicTestRig.write(me, ApicRegisters.EOI, 0);
                            }
                        } else {
                            me.await(1_000_000);
                        }
                        if (sent++ % 4 == 0) {
                            ApicTestRig.write(me, ApicRegisters.ICR_HIGH, other << 24);
                            ApicTestRig.write(me, ApicRegisters.ICR_LOW, 0x4000 | (0x60 + other));
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "vcpu" + i);
            vcpus[i].start();
        }
        Thread device = new Thread(() -> {
            try {
                long end = System.nanoTime() + 400_000_000L;
                while (System.nanoTime() < end) {
                    level16.set(true);
                    bus.signal(0xfee0_1000L, 0x51);
                    edge3.pulse();
                    Thread.onSpinWait();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "device");
        device.start();
        device.join();
        stop.set(true);
        for (LocalApic a : apics) {
            a.wake();
        }
        for (Thread t : vcpus) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a thread failed", failure.get());
        }
        for (int v : new int[] {0x50, 0x51, 0x60, 0x61, 0x23}) {
            assertTrue(taken.containsKey(v) && taken.get(v).get() > 0, "vector 0x" + Integer.toHexString(v) + ": " + taken);
        }
    }
}
