package vmm.core.internal.timer;

import java.nio.ByteBuffer;
import java.util.function.IntFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;

/**
 * A High Precision Event Timer block (IA-PC HPET 1.0a) at 0xFED00000: a 64-bit main counter
 * at 100 MHz (10 ns period) derived from the platform's time base, and three comparators
 * with one-shot and periodic modes, 32-bit mode, edge or level interrupts, and legacy
 * replacement routing (timer 0 on IRQ0, timer 1 on IRQ8), which is how Linux uses it as its
 * boot clock event and calibration reference. Without legacy replacement a timer interrupts
 * on the IOAPIC pin its route field names (20-23 offered, as QEMU). No FSB (MSI) delivery.
 *
 * <p>The counter is not ticked: it is the time since the counter was enabled, plus the value
 * it held, so reads are exact. Comparator matches are delivered from the platform's
 * {@link TimerService} thread at their instant.
 */
public final class Hpet implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(Hpet.class);
    public static final String TYPE = "hpet";
    private static final int STATE_VERSION = 1;
    public static final long BASE = 0xfed0_0000L;
    public static final long SIZE = 0x400;
    public static final int TIMERS = 3;
    static final long PERIOD_FS = 10_000_000; // 10 ns
    static final long HZ = 100_000_000;

    static final int CAP_ID = 0x000;
    static final int CONFIG = 0x010;
    static final int ISR = 0x020;
    static final int COUNTER = 0x0f0;
    static final int TIMER_BASE = 0x100;

    static final long CFG_ENABLE = 1;
    static final long CFG_LEGACY = 2;
    static final long TN_LEVEL = 1 << 1;
    static final long TN_ENABLE = 1 << 2;
    static final long TN_PERIODIC = 1 << 3;
    static final long TN_PERIODIC_CAP = 1 << 4;
    static final long TN_SIZE_CAP = 1 << 5;
    static final long TN_SETVAL = 1 << 6;
    static final long TN_32BIT = 1 << 8;
    static final long TN_ROUTE_MASK = 0x1f << 9;
    static final long TN_WRITABLE = TN_LEVEL | TN_ENABLE | TN_PERIODIC | TN_SETVAL | TN_32BIT | TN_ROUTE_MASK;
    static final long ROUTE_CAP = 0x00f0_0000L;

    private final TimeSource time;
    private final IntFunction<IrqLine> lines;
    private final IrqLine[] gsiLines = new IrqLine[24];
    private final Comparator[] timers = new Comparator[TIMERS];
    private long config;
    private long isr;
    /** Counter value at {@link #origin} (the instant it was last enabled or written). */
    private long counterBase;
    private long origin;

    private final class Comparator {
        final int index;
        final TimerService.Timer timer;
        long config;
        long comparator;
        long period;
        boolean asserted;

        Comparator(int index, TimerService timers) {
            this.index = index;
            this.timer = timers.newTimer("hpet-timer" + index, () -> fired(this));
        }

        long capabilities() {
            return ROUTE_CAP << 32 | TN_SIZE_CAP | (index == 0 ? TN_PERIODIC_CAP : 0);
        }
    }

    /** @param lines the machine's interrupt line of a GSI */
    public Hpet(TimeSource time, IntFunction<IrqLine> lines, TimerService timers) {
        this.time = time;
        this.lines = lines;
        for (int i = 0; i < TIMERS; i++) {
            this.timers[i] = new Comparator(i, timers);
        }
        powerOn();
    }

    private void powerOn() {
        config = 0;
        isr = 0;
        counterBase = 0;
        origin = time.nanoTime();
        for (Comparator t : timers) {
            lower(t);
            t.config = 0;
            t.comparator = -1;
            t.period = 0;
            t.timer.cancel();
        }
    }

    private boolean enabled() {
        return (config & CFG_ENABLE) != 0;
    }

    long counter(long now) {
        return enabled() ? counterBase + TimeSource.ticks(now - origin, HZ) : counterBase;
    }

    private IrqLine line(Comparator t) {
        int gsi;
        if ((config & CFG_LEGACY) != 0 && t.index < 2) {
            gsi = t.index == 0 ? 0 : 8;
        } else {
            gsi = (int) ((t.config & TN_ROUTE_MASK) >>> 9);
            if ((ROUTE_CAP & (1L << gsi)) == 0) {
                return null;
            }
        }
        if (gsiLines[gsi] == null) {
            gsiLines[gsi] = lines.apply(gsi);
        }
        return gsiLines[gsi];
    }

    /** Arms timer {@code t} for its next match after {@code now}, or cancels it (disabled, or a 64-bit match already passed). */
    private void arm(Comparator t, long now) {
        if (!enabled() || (t.config & TN_ENABLE) == 0) {
            t.timer.cancel();
            return;
        }
        long counter = counter(now);
        long delta;
        if ((t.config & TN_32BIT) != 0) {
            delta = ((t.comparator & 0xffff_ffffL) - counter) & 0xffff_ffffL;
        } else {
            delta = t.comparator - counter;
            if (delta < 0) {
                t.timer.cancel(); // already passed: a 64-bit counter does not come round again
                return;
            }
        }
        t.timer.arm(now + TimeSource.nanos(delta, HZ));
    }

    private void fired(Comparator t) {
        IrqLine pulse = null;
        synchronized (this) {
            long now = time.nanoTime();
            if (!enabled() || (t.config & TN_ENABLE) == 0) {
                return;
            }
            long counter = counter(now);
            long mask = (t.config & TN_32BIT) != 0 ? 0xffff_ffffL : -1L;
            long behind = (counter - t.comparator) & mask;
            if (Long.compareUnsigned(behind, mask >>> 1) > 0) {
                arm(t, now); // woken early
                return;
            }
            if ((t.config & TN_PERIODIC) != 0 && t.period != 0) {
                long steps = behind / t.period + 1;
                t.comparator = (t.comparator + steps * t.period) & mask;
            }
            IrqLine line = line(t);
            if (line != null) {
                if ((t.config & TN_LEVEL) != 0) {
                    isr |= 1L << t.index;
                    if (!t.asserted) {
                        t.asserted = true;
                        line.set(true);
                    }
                } else {
                    pulse = line;
                }
            }
            if ((t.config & TN_PERIODIC) != 0 && t.period != 0) {
                arm(t, now);
            }
        }
        if (pulse != null) {
            pulse.pulse();
        }
    }

    private void lower(Comparator t) {
        if (t.asserted) {
            t.asserted = false;
            IrqLine line = line(t);
            if (line != null) {
                line.set(false);
            }
        }
    }

    /** Whether legacy replacement routes timers 0 and 1 to IRQ0 and IRQ8 (and cuts off the PIT's IRQ0). */
    public synchronized boolean legacyReplacement() {
        return (config & CFG_LEGACY) != 0 && enabled();
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        long register = readRegister((int) offset & ~7);
        int shift = (int) offset & 7;
        for (int i = 0; i < data.length; i++) {
            data[i] = shift + i < 8 ? (byte) (register >>> (8 * (shift + i))) : 0;
        }
    }

    private long readRegister(int register) {
        switch (register) {
            case CAP_ID:
                return PERIOD_FS << 32 | 0x8086L << 16 | 0x8000 | 0x2000 | (TIMERS - 1) << 8 | 0x01;
            case CONFIG:
                return config;
            case ISR:
                return isr;
            case COUNTER:
                return counter(time.nanoTime());
            default:
                break;
        }
        int n = (register - TIMER_BASE) >> 5;
        if (register < TIMER_BASE || n >= TIMERS) {
            return 0;
        }
        Comparator t = timers[n];
        return switch (register & 0x1f) {
            case 0x00 -> t.config | t.capabilities();
            case 0x08 -> t.comparator;
            default -> 0;
        };
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        if (data.length != 4 && data.length != 8) {
            LOG.debug("hpet: {}-byte write at 0x{} dropped", data.length, Long.toHexString(offset));
            return;
        }
        int register = (int) offset & ~7;
        long old = readRegister(register);
        long value = 0;
        for (int i = 0; i < data.length; i++) {
            value |= (data[i] & 0xffL) << (8 * i);
        }
        long mask = data.length == 8 ? -1L : 0xffff_ffffL;
        int shift = (int) (offset & 4) * 8;
        long merged = (old & ~(mask << shift)) | ((value & mask) << shift);
        boolean lowHalf = data.length == 8 || shift == 0;
        writeRegister(register, merged, lowHalf, data.length == 8 || shift != 0);
    }

    private void writeRegister(int register, long value, boolean lowHalf, boolean highHalf) {
        long now = time.nanoTime();
        switch (register) {
            case CONFIG -> {
                long counter = counter(now);
                boolean wasLegacy = (config & CFG_LEGACY) != 0;
                if ((value & CFG_LEGACY) != 0 != wasLegacy) {
                    for (Comparator t : timers) {
                        lower(t);
                    }
                }
                config = value & (CFG_ENABLE | CFG_LEGACY);
                counterBase = counter;
                origin = now;
                for (Comparator t : timers) {
                    arm(t, now);
                }
                return;
            }
            case ISR -> {
                for (Comparator t : timers) {
                    if ((value & (1L << t.index)) != 0 && (isr & (1L << t.index)) != 0) {
                        isr &= ~(1L << t.index);
                        lower(t);
                    }
                }
                return;
            }
            case COUNTER -> {
                if (enabled()) {
                    LOG.debug("hpet: main counter written while running; ignored");
                    return;
                }
                counterBase = value;
                origin = now;
                return;
            }
            default -> {
            }
        }
        int n = (register - TIMER_BASE) >> 5;
        if (register < TIMER_BASE || n >= TIMERS) {
            return;
        }
        Comparator t = timers[n];
        switch (register & 0x1f) {
            case 0x00 -> {
                long writable = TN_WRITABLE & ~(t.index == 0 ? 0 : TN_PERIODIC);
                long before = t.config;
                t.config = value & writable;
                if ((before & TN_LEVEL) != 0 && (t.config & TN_LEVEL) == 0 || (t.config & TN_ENABLE) == 0
                        || ((before ^ t.config) & TN_ROUTE_MASK) != 0) {
                    lower(t);
                    isr &= ~(1L << t.index);
                }
                if ((t.config & TN_32BIT) != 0) {
                    t.comparator &= 0xffff_ffffL;
                }
            }
            case 0x08 -> {
                long v = (t.config & TN_32BIT) != 0 ? value & 0xffff_ffffL : value;
                boolean periodic = (t.config & TN_PERIODIC) != 0;
                if (!periodic || (t.config & TN_SETVAL) != 0) {
                    t.comparator = v;
                }
                if (periodic) {
                    t.period = v;
                }
                if (highHalf || (t.config & TN_32BIT) != 0) {
                    t.config &= ~TN_SETVAL; // set-value lasts one complete comparator write
                }
            }
            default -> {
                return;
            }
        }
        arm(t, now);
    }

    @Override
    public synchronized void reset() {
        powerOn();
    }

    @Override
    public synchronized DeviceState saveState() {
        long now = time.nanoTime();
        ByteBuffer b = ByteBuffer.allocate(24 + TIMERS * 25);
        b.putLong(config).putLong(isr).putLong(counter(now));
        for (Comparator t : timers) {
            b.putLong(t.config).putLong(t.comparator).putLong(t.period).put((byte) (t.asserted ? 1 : 0));
        }
        return new DeviceState(TYPE, STATE_VERSION, b.array());
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        if (data.length != 24 + TIMERS * 25) {
            throw new IllegalArgumentException(TYPE + " state is " + (24 + TIMERS * 25) + " bytes, not " + data.length);
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        long now = time.nanoTime();
        config = b.getLong() & (CFG_ENABLE | CFG_LEGACY);
        isr = b.getLong() & 7;
        counterBase = b.getLong();
        origin = now;
        for (Comparator t : timers) {
            t.config = b.getLong() & TN_WRITABLE;
            t.comparator = b.getLong();
            t.period = b.getLong();
            boolean asserted = b.get() != 0;
            t.asserted = false;
            if (asserted) {
                IrqLine line = line(t);
                if (line != null) {
                    t.asserted = true;
                    line.set(true);
                }
            }
            arm(t, now);
        }
    }

    @Override
    public String name() {
        return "hpet";
    }
}
