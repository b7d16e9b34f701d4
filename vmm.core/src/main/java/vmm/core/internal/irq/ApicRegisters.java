package vmm.core.internal.irq;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;

/**
 * The xAPIC register page of one {@link LocalApic} (offsets from the APIC base). Registers
 * are 32 bits at 16-byte strides; reads of another width or alignment get the bytes of the
 * aligned register, writes other than aligned 32-bit ones are dropped (as KVM does).
 * Also carries the APIC's reset and saved state, being its {@link BusDevice}.
 */
final class ApicRegisters implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(ApicRegisters.class);
    static final String TYPE = "local-apic";
    private static final int STATE_VERSION = 1;

    static final int ID = 0x20;
    static final int VERSION = 0x30;
    static final int TPR = 0x80;
    static final int APR = 0x90;
    static final int PPR = 0xa0;
    static final int EOI = 0xb0;
    static final int RRD = 0xc0;
    static final int LDR = 0xd0;
    static final int DFR = 0xe0;
    static final int SVR = 0xf0;
    static final int ISR = 0x100;
    static final int TMR = 0x180;
    static final int IRR = 0x200;
    static final int ESR = 0x280;
    static final int ICR_LOW = 0x300;
    static final int ICR_HIGH = 0x310;
    static final int LVT_BASE = 0x320;
    static final int TIMER_INITIAL = 0x380;
    static final int TIMER_CURRENT = 0x390;
    static final int TIMER_DIVIDE = 0x3e0;

    /** Version 0x14 (integrated APIC), max LVT entry 5: timer, thermal, perf, LINT0, LINT1, error. */
    static final int VERSION_VALUE = 0x0005_0014;
    private static final int[] LVT_WRITABLE = {0x000700ff, 0x000107ff, 0x000107ff, 0x0001a7ff, 0x0001a7ff, 0x000100ff};

    private final LocalApic apic;

    ApicRegisters(LocalApic apic) {
        this.apic = apic;
    }

    @Override
    public void read(long offset, byte[] data) {
        int value = readRegister((int) offset & 0xff0);
        int shift = (int) offset & 0xf;
        for (int i = 0; i < data.length; i++) {
            int at = shift + i;
            data[i] = at < 4 ? (byte) (value >>> (8 * at)) : 0;
        }
    }

    int readRegister(int register) {
        LocalApic a = apic;
        a.lock().lock();
        try {
            a.checkTimerLocked(a.now());
            if (register >= ISR && register < ISR + 0x80) {
                return a.isr[(register - ISR) >> 4];
            }
            if (register >= TMR && register < TMR + 0x80) {
                return a.tmr[(register - TMR) >> 4];
            }
            if (register >= IRR && register < IRR + 0x80) {
                return a.irr[(register - IRR) >> 4];
            }
            if (register >= LVT_BASE && register < LVT_BASE + 0x60) {
                int i = (register - LVT_BASE) >> 4;
                int value = a.lvt[i];
                if (i == LocalApic.LVT_TIMER) {
                    value = (value & ~(3 << 17)) | (a.timer.mode << 17);
                }
                return value;
            }
            return switch (register) {
                case ID -> a.id << 24;
                case VERSION -> VERSION_VALUE;
                case TPR -> a.tpr;
                case PPR -> a.ppr();
                case LDR -> a.ldr;
                case DFR -> a.dfr;
                case SVR -> a.svr;
                case ESR -> a.esr;
                case ICR_LOW -> a.icrLow & ~(1 << 12); // delivery status: always idle, delivery is synchronous
                case ICR_HIGH -> a.icrHigh;
                case TIMER_INITIAL -> a.timer.initialCount;
                case TIMER_CURRENT -> a.timer.currentCount(a.now());
                case TIMER_DIVIDE -> a.timer.divideConfig;
                default -> 0; // APR, RRD, EOI and reserved offsets read as 0
            };
        } finally {
            a.lock().unlock();
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        if (data.length != 4 || (offset & 0xf) != 0) {
            LOG.debug("apic {}: {}-byte write at 0x{} dropped", apic.index, data.length, Long.toHexString(offset));
            return;
        }
        int value = (data[0] & 0xff) | (data[1] & 0xff) << 8 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 24;
        writeRegister((int) offset & 0xff0, value);
    }

    void writeRegister(int register, int value) {
        LocalApic a = apic;
        if (register == EOI) {
            a.endOfInterrupt();
            return;
        }
        int icrLow;
        int icrHigh;
        a.lock().lock();
        try {
            long now = a.now();
            a.checkTimerLocked(now);
            if (register >= LVT_BASE && register < LVT_BASE + 0x60) {
                writeLvt((register - LVT_BASE) >> 4, value, now);
                a.updateLocked();
                return;
            }
            switch (register) {
                case ID -> a.id = value >>> 24;
                case TPR -> a.tpr = value & 0xff;
                case LDR -> a.ldr = value & 0xff00_0000;
                case DFR -> a.dfr = value | 0x0fff_ffff;
                case SVR -> writeSvr(value);
                case ESR -> {
                    a.esr = a.esrPending;
                    a.esrPending = 0;
                }
                case ICR_HIGH -> a.icrHigh = value & 0xff00_0000;
                case ICR_LOW -> a.icrLow = value & 0x000c_cfff;
                case TIMER_INITIAL -> a.timer.writeInitialCount(value, now);
                case TIMER_DIVIDE -> a.timer.divideConfig = value & 0xb;
                default -> LOG.debug("apic {}: write 0x{} to read-only or reserved register 0x{} ignored", a.index,
                        Integer.toHexString(value), Integer.toHexString(register));
            }
            a.updateLocked();
            icrLow = a.icrLow;
            icrHigh = a.icrHigh;
        } finally {
            a.lock().unlock();
        }
        if (register == ICR_LOW) {
            a.sendIpi(icrLow, icrHigh >>> 24, false);
        }
    }

    private void writeLvt(int i, int value, long now) {
        LocalApic a = apic;
        int v = value & LVT_WRITABLE[i];
        if ((a.svr & LocalApic.SVR_ENABLE) == 0) {
            v |= LocalApic.LVT_MASKED; // a software-disabled APIC keeps its LVTs masked
        }
        if (i == LocalApic.LVT_TIMER) {
            a.timer.setMode((v >>> 17) & 3, now);
            v &= ~(3 << 17);
        }
        a.lvt[i] = v;
    }

    private void writeSvr(int value) {
        LocalApic a = apic;
        a.svr = value & 0x3ff; // vector, software enable, focus checking
        if ((value & LocalApic.SVR_ENABLE) == 0) {
            for (int i = 0; i < a.lvt.length; i++) {
                a.lvt[i] |= LocalApic.LVT_MASKED;
            }
        }
    }

    @Override
    public void reset() {
        apic.powerOn();
    }

    @Override
    public DeviceState saveState() {
        LocalApic a = apic;
        a.lock().lock();
        try {
            long now = a.now();
            ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(a.apicBase).putInt(a.id).putInt(a.tpr).putInt(a.ldr).putInt(a.dfr).putInt(a.svr);
            for (int i = 0; i < 8; i++) {
                b.putInt(a.irr[i]).putInt(a.isr[i]).putInt(a.tmr[i]);
            }
            b.putInt(a.esr).putInt(a.esrPending).putInt(a.icrLow).putInt(a.icrHigh);
            for (int v : a.lvt) {
                b.putInt(v);
            }
            ApicTimer t = a.timer;
            b.putInt(t.mode).putInt(t.initialCount).putInt(t.divideConfig).putLong(t.divide()).putLong(t.period())
                    .put((byte) (t.running() ? 1 : 0)).putLong(t.remaining(now)).putLong(t.tscDeadline);
            int flags = Math.min(a.nmiPending, 1) | (a.nmiPending > 1 ? 32 : 0) | (a.initPending ? 2 : 0)
                    | (a.sipiPending ? 4 : 0)
                    | (a.waitingForSipi ? 8 : 0) | (a.extIntPending ? 16 : 0);
            b.put((byte) flags).put((byte) a.sipiVector);
            byte[] out = new byte[b.position()];
            b.flip().get(out);
            return new DeviceState(TYPE, STATE_VERSION, out);
        } finally {
            a.lock().unlock();
        }
    }

    @Override
    public void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        LocalApic a = apic;
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        a.lock().lock();
        try {
            long now = a.now();
            long base = b.getLong();
            a.apicBase = (base & ~LocalApic.BASE_BSP) | (a.bsp ? LocalApic.BASE_BSP : 0);
            a.id = b.getInt() & 0xff;
            a.tpr = b.getInt() & 0xff;
            a.ldr = b.getInt();
            a.dfr = b.getInt();
            a.svr = b.getInt();
            for (int i = 0; i < 8; i++) {
                a.irr[i] = b.getInt();
                a.isr[i] = b.getInt();
                a.tmr[i] = b.getInt();
            }
            a.esr = b.getInt();
            a.esrPending = b.getInt();
            a.icrLow = b.getInt();
            a.icrHigh = b.getInt();
            for (int i = 0; i < a.lvt.length; i++) {
                a.lvt[i] = b.getInt();
            }
            int mode = b.getInt() & 3;
            int initial = b.getInt();
            int divideConfig = b.getInt() & 0xb;
            long divide = b.getLong();
            long period = b.getLong();
            boolean running = b.get() != 0;
            long remaining = b.getLong();
            long tscDeadline = b.getLong();
            a.timer.restore(mode, initial, divideConfig, divide, period, running, remaining, tscDeadline, now);
            int flags = b.get();
            a.nmiPending = (flags & 1) + ((flags & 32) != 0 ? 1 : 0);
            a.initPending = (flags & 2) != 0;
            a.sipiPending = (flags & 4) != 0;
            a.waitingForSipi = (flags & 8) != 0;
            a.extIntPending = (flags & 16) != 0;
            a.sipiVector = b.get() & 0xff;
            a.updateLocked();
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException(TYPE + " state truncated (" + data.length + " bytes)", e);
        } finally {
            a.lock().unlock();
        }
    }

    @Override
    public String name() {
        return "lapic" + apic.index;
    }
}
