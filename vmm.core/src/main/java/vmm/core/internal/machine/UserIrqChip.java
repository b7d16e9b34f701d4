package vmm.core.internal.machine;

import vmm.core.bus.Bus;
import vmm.core.device.IrqLine;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.internal.irq.ApicBus;
import vmm.core.internal.irq.GsiRouter;
import vmm.core.internal.irq.IoApic;
import vmm.core.internal.irq.LocalApic;
import vmm.core.internal.irq.Pic8259;
import vmm.core.internal.timer.Pit8254;
import vmm.core.internal.timer.ThreadTimerService;
import vmm.core.internal.timer.TimeSource;

/**
 * The interrupt controllers and the PIT in user space, for an accelerator without an in-kernel
 * irqchip (the software CPU): the 8259 pair (0x20, 0xa0, ELCR 0x4d0), the IOAPIC (0xfec00000),
 * one local APIC per vCPU (each vCPU's {@link InterruptPort}), the 8254 (0x40, port B 0x61),
 * and the GSI wiring of a PC between them.
 */
final class UserIrqChip implements AutoCloseable {

    private final Pic8259 pic;
    private final IoApic ioApic;
    private final LocalApic[] apics;
    private final GsiRouter router;
    private final ThreadTimerService timers;
    private final Pit8254 pit;

    UserIrqChip(int vcpus, long tscKhz, Bus pio, Bus mmio) {
        ApicBus apicBus = new ApicBus();
        LocalApic[] created = new LocalApic[vcpus];
        this.pic = new Pic8259(() -> {
            LocalApic bsp = created[0];
            if (bsp != null) {
                bsp.picChanged();
            }
        });
        this.ioApic = new IoApic(apicBus);
        for (int i = 0; i < vcpus; i++) {
            created[i] = new LocalApic(i, apicBus, TimeSource.SYSTEM, tscKhz, pic, LocalApic.DEFAULT_PHYS_BITS);
        }
        this.apics = created;
        this.router = new GsiRouter(pic, ioApic);
        this.timers = new ThreadTimerService(TimeSource.SYSTEM, "vmm-timers");
        this.pit = new Pit8254(TimeSource.SYSTEM, router.line(0), timers);
        pio.insert("pic-master", pic.master(), Pic8259.MASTER, 2);
        pio.insert("pic-slave", pic.slave(), Pic8259.SLAVE, 2);
        pio.insert("elcr", pic.elcr(), Pic8259.ELCR, 2);
        pio.insert(pit, Pit8254.BASE_PORT, Pit8254.PORTS);
        pio.insert("pit-port-b", pit.portB(), Pit8254.PORT_B, 1);
        mmio.insert(ioApic, IoApic.BASE, IoApic.SIZE);
    }

    InterruptPort port(int vcpu) {
        return apics[vcpu];
    }

    IrqLine line(int gsi) {
        return router.line(gsi);
    }

    void reset() {
        pic.reset();
        ioApic.reset();
        pit.reset();
        for (LocalApic a : apics) {
            a.powerOn();
        }
    }

    @Override
    public void close() {
        timers.close();
    }
}
