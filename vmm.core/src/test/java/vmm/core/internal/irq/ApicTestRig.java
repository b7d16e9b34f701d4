package vmm.core.internal.irq;

import vmm.core.bus.Bus;
import vmm.core.internal.timer.ManualTime;

/** A PIC, an IOAPIC and {@code n} local APICs on one APIC bus, with a manual clock. */
final class ApicTestRig {
    static final long TSC_KHZ = 2_000_000;
    final ManualTime time = new ManualTime();
    final ApicBus apicBus = new ApicBus();
    final LocalApic[] apics;
    final Pic8259 pic;
    final IoApic ioApic;
    final GsiRouter gsi;
    final Bus mmio = Bus.mmio();

    ApicTestRig(int n) {
        LocalApic[] holder = new LocalApic[n];
        pic = new Pic8259(() -> {
            if (holder[0] != null) {
                holder[0].picChanged();
            }
        });
        for (int i = 0; i < n; i++) {
            holder[i] = new LocalApic(i, apicBus, time, TSC_KHZ, pic, LocalApic.DEFAULT_PHYS_BITS);
        }
        apics = holder;
        ioApic = new IoApic(apicBus);
        mmio.insert(ioApic, IoApic.BASE, IoApic.SIZE);
        gsi = new GsiRouter(pic, ioApic);
    }

    static void write(LocalApic apic, int register, int value) {
        byte[] b = {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)};
        apic.registers().write(register, b);
    }

    static int read(LocalApic apic, int register) {
        byte[] b = new byte[4];
        apic.registers().read(register, b);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    /** Software-enables an APIC as guests do (SVR = 0x1ff). */
    static void enable(LocalApic apic) {
        write(apic, ApicRegisters.SVR, 0x1ff);
    }

    void ioWrite(int register, int value) {
        mmioWrite(IoApic.BASE, register);
        mmioWrite(IoApic.BASE + 0x10, value);
    }

    int ioRead(int register) {
        mmioWrite(IoApic.BASE, register);
        byte[] b = new byte[4];
        mmio.read(IoApic.BASE + 0x10, b);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    void mmioWrite(long address, int value) {
        mmio.write(address, new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)});
    }

    /** Programs redirection entry {@code pin}. */
    void route(int pin, long entry) {
        ioWrite(0x10 + 2 * pin + 1, (int) (entry >>> 32));
        ioWrite(0x10 + 2 * pin, (int) entry);
    }
}
