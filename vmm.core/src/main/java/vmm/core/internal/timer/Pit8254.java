package vmm.core.internal.timer;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;

/**
 * The 8254 programmable interval timer at ports 0x40-0x43 (claim {@link #BASE_PORT} with
 * {@link #PORTS}), clocked at 1.193182 MHz from the platform's {@link TimeSource}, and
 * system control port B at 0x61 ({@link #portB()}: channel 2's gate and output, the speaker
 * enable), which Linux and BIOSes use to calibrate against channel 2.
 *
 * <p>Counters are not ticked: a channel keeps the instant it was loaded and derives its count
 * and output from the time since, as QEMU does, so reads are exact at any rate. Modes 0-5 are
 * modelled (0, 2, 3 and 4 are what Linux and BIOSes use), with LSB/MSB/word access, the
 * counter-latch and read-back commands and status bytes. BCD counting is accepted and counted
 * in binary (no PC software uses it).
 *
 * <p>Channel 0's output drives IRQ0: each rising edge is a pulse on the line, sent from the
 * platform's {@link TimerService} thread at the edge's time. A guest that falls behind (or a
 * period below {@link #MIN_PERIOD_NANOS}) gets coalesced edges, not a backlog.
 */
public final class Pit8254 implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(Pit8254.class);
    public static final String TYPE = "i8254";
    private static final int STATE_VERSION = 1;
    public static final int BASE_PORT = 0x40;
    public static final int PORTS = 4;
    public static final int PORT_B = 0x61;
    public static final long FREQUENCY_HZ = 1_193_182;
    /** Like KVM's minimum PIT period: shorter periods would flood the guest with IRQ0. */
    public static final long MIN_PERIOD_NANOS = 100_000;

    private static final int RW_LATCH = 0;
    private static final int RW_LSB = 1;
    private static final int RW_MSB = 2;
    private static final int RW_WORD = 3;

    private final TimeSource time;
    private final IrqLine irq0;
    private final TimerService.Timer irqTimer;
    private final Channel[] channels = {new Channel(), new Channel(), new Channel()};
    private int portB;
    /** When channel 0's next rising edge is due, or Long.MAX_VALUE. */
    private long nextEdge = Long.MAX_VALUE;

    private static final class Channel {
        int count = 0x10000; // the reload value, 1-0x10000
        long loadTime;
        int mode;
        int rwMode = RW_WORD;
        boolean bcd;
        boolean gate = true;
        /** Read and write flip-flops for word access: false = LSB next. */
        boolean readMsb;
        boolean writeMsb;
        int writeLatch;
        boolean countLatched;
        int latchedCount;
        int latchedReadsLeft;
        boolean statusLatched;
        int status;
        boolean nullCount = true;
    }

    public Pit8254(TimeSource time, IrqLine irq0, TimerService timers) {
        this.time = time;
        this.irq0 = irq0;
        this.irqTimer = timers.newTimer("pit-irq0", this::irqTimerFired);
        powerOn();
    }

    private void powerOn() {
        long now = time.nanoTime();
        for (int i = 0; i < 3; i++) {
            channels[i] = new Channel();
            channels[i].loadTime = now;
            channels[i].gate = i != 2;
        }
        portB = 0;
        nextEdge = Long.MAX_VALUE;
        irqTimer.cancel();
    }

    /** Elapsed input clock ticks since the channel was loaded. */
    private long ticks(Channel c, long now) {
        return TimeSource.ticks(now - c.loadTime, FREQUENCY_HZ);
    }

    int count(Channel c, long now) {
        long d = ticks(c, now);
        return switch (c.mode) {
            case 0, 1, 4, 5 -> (int) ((c.count - d) & 0xffff);
            case 3 -> (int) (c.count - ((2 * d) % c.count)) & 0xffff;
            default -> (int) (c.count - (d % c.count)) & 0xffff;
        };
    }

    boolean out(Channel c, long now) {
        long d = ticks(c, now);
        return switch (c.mode) {
            case 0 -> d >= c.count;
            case 1 -> d < c.count;
            case 2 -> d % c.count != c.count - 1; // low for one clock before reload
            case 3 -> d % c.count < (c.count + 1) >> 1;
            default -> d != c.count; // 4, 5: a one-clock low strobe at terminal count
        };
    }

    /** The instant of channel 0's first rising edge after {@code after}, or Long.MAX_VALUE. */
    private long nextRisingEdge(Channel c, long after) {
        if (!c.gate && c.mode != 0 && c.mode != 4) {
            return Long.MAX_VALUE;
        }
        long d = ticks(c, after);
        long edgeTick;
        switch (c.mode) {
            case 0, 4 -> {
                edgeTick = c.mode == 0 ? c.count : c.count + 1;
                if (d >= edgeTick) {
                    return Long.MAX_VALUE;
                }
            }
            case 2, 3 -> edgeTick = (d / c.count + 1) * c.count;
            default -> {
                return Long.MAX_VALUE; // modes 1 and 5 need a gate trigger, which channel 0 has not
            }
        }
        return c.loadTime + TimeSource.nanos(edgeTick, FREQUENCY_HZ);
    }

    private void scheduleIrq(long now) {
        Channel c = channels[0];
        long edge = nextRisingEdge(c, now);
        if (edge != Long.MAX_VALUE && (c.mode == 2 || c.mode == 3)) {
            edge = Math.max(edge, now + MIN_PERIOD_NANOS);
        }
        nextEdge = edge;
        if (edge == Long.MAX_VALUE) {
            irqTimer.cancel();
        } else {
            irqTimer.arm(edge);
        }
    }

    private void irqTimerFired() {
        boolean pulse;
        synchronized (this) {
            long now = time.nanoTime();
            pulse = nextEdge != Long.MAX_VALUE && now >= nextEdge;
            if (pulse) {
                Channel c = channels[0];
                if (c.mode == 2 || c.mode == 3) {
                    nextEdge = Math.max(nextRisingEdge(c, now), now + MIN_PERIOD_NANOS);
                    irqTimer.arm(nextEdge);
                } else {
                    nextEdge = Long.MAX_VALUE;
                }
            } else if (nextEdge != Long.MAX_VALUE) {
                irqTimer.arm(nextEdge); // woken early
            }
        }
        if (pulse) {
            irq0.pulse();
        }
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        Arrays.fill(data, (byte) 0);
        if (offset < 3) {
            data[0] = (byte) readCounter(channels[(int) offset]);
        } else {
            data[0] = (byte) 0xff; // the control word register is write-only
        }
    }

    private int readCounter(Channel c) {
        if (c.statusLatched) {
            c.statusLatched = false;
            return c.status;
        }
        if (c.countLatched) {
            int value = c.latchedReadsLeft == 2 || c.rwMode == RW_LSB ? c.latchedCount & 0xff : c.latchedCount >>> 8;
            if (c.rwMode == RW_WORD && c.latchedReadsLeft == 2) {
                c.latchedReadsLeft = 1;
            } else {
                c.countLatched = false;
            }
            return value;
        }
        int count = count(c, time.nanoTime());
        return switch (c.rwMode) {
            case RW_LSB -> count & 0xff;
            case RW_MSB -> count >>> 8;
            default -> {
                boolean msb = c.readMsb;
                c.readMsb = !msb;
                yield msb ? count >>> 8 : count & 0xff;
            }
        };
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        int value = data[0] & 0xff;
        long now = time.nanoTime();
        if (offset == 3) {
            control(value, now);
        } else if (offset < 3) {
            writeCounter((int) offset, value, now);
        }
    }

    private void control(int value, long now) {
        int select = value >>> 6;
        if (select == 3) { // read-back
            for (int i = 0; i < 3; i++) {
                if ((value & (2 << i)) == 0) {
                    continue;
                }
                Channel c = channels[i];
                if ((value & 0x20) == 0) {
                    latchCount(c, now);
                }
                if ((value & 0x10) == 0 && !c.statusLatched) {
                    c.status = (out(c, now) ? 0x80 : 0) | (c.nullCount ? 0x40 : 0) | c.rwMode << 4 | c.mode << 1
                            | (c.bcd ? 1 : 0);
                    c.statusLatched = true;
                }
            }
            return;
        }
        Channel c = channels[select];
        int rw = (value >>> 4) & 3;
        if (rw == RW_LATCH) {
            latchCount(c, now);
            return;
        }
        int mode = (value >>> 1) & 7;
        c.mode = mode > 5 ? mode - 4 : mode;
        c.rwMode = rw;
        c.bcd = (value & 1) != 0;
        c.readMsb = false;
        c.writeMsb = false;
        c.nullCount = true;
        c.countLatched = false;
        if (select == 0) {
            // A new control word stops the channel until its count is written; in mode 0 the
            // output goes low at once.
            nextEdge = Long.MAX_VALUE;
            irqTimer.cancel();
        }
    }

    private void latchCount(Channel c, long now) {
        if (!c.countLatched) {
            c.latchedCount = count(c, now);
            c.countLatched = true;
            c.latchedReadsLeft = c.rwMode == RW_WORD ? 2 : 1;
        }
    }

    private void writeCounter(int index, int value, long now) {
        Channel c = channels[index];
        switch (c.rwMode) {
            case RW_LSB -> load(index, value, now);
            case RW_MSB -> load(index, value << 8, now);
            default -> {
                if (!c.writeMsb) {
                    c.writeLatch = value;
                    c.writeMsb = true;
                } else {
                    c.writeMsb = false;
                    load(index, c.writeLatch | value << 8, now);
                }
            }
        }
    }

    private void load(int index, int value, long now) {
        Channel c = channels[index];
        c.count = value == 0 ? 0x10000 : value;
        c.loadTime = now;
        c.nullCount = false;
        if (index == 0) {
            scheduleIrq(now);
        }
    }

    /** System control port B (claim at 0x61, 1 port). */
    public BusDevice portB() {
        return new PortB();
    }

    private final class PortB implements BusDevice {
        @Override
        public void read(long offset, byte[] data) {
            Arrays.fill(data, (byte) 0);
            data[0] = (byte) readPortB();
        }

        @Override
        public void write(long offset, byte[] data) {
            writePortB(data[0] & 0xff);
        }

        @Override
        public DeviceState saveState() {
            return new DeviceState(TYPE + "-port-b", 1, new byte[0]); // the state is the PIT's
        }

        @Override
        public void restoreState(DeviceState state) {
            state.require(TYPE + "-port-b", 1);
        }

        @Override
        public String name() {
            return "port-61";
        }
    }

    synchronized int readPortB() {
        long now = time.nanoTime();
        // Bit 4 toggles with the DRAM refresh, every 15 us; bit 5 is channel 2's output.
        int refresh = (int) ((now / 15_000) & 1) << 4;
        return (portB & 0x0f) | refresh | (out(channels[2], now) ? 0x20 : 0);
    }

    synchronized void writePortB(int value) {
        long now = time.nanoTime();
        Channel c = channels[2];
        boolean gate = (value & 1) != 0;
        if (gate && !c.gate && c.mode != 0 && c.mode != 4) {
            c.loadTime = now; // a rising gate restarts modes 1, 2, 3 and 5
        }
        c.gate = gate;
        portB = value & 0x0f;
    }

    @Override
    public synchronized void reset() {
        powerOn();
    }

    /** Per channel: count, mode, rw mode, flags, write latch, latched values, and ticks since the load. */
    @Override
    public synchronized DeviceState saveState() {
        long now = time.nanoTime();
        ByteBuffer b = ByteBuffer.allocate(3 * 40 + 4);
        for (Channel c : channels) {
            b.putInt(c.count).putLong(now - c.loadTime).put((byte) c.mode).put((byte) c.rwMode);
            int flags = (c.bcd ? 1 : 0) | (c.gate ? 2 : 0) | (c.readMsb ? 4 : 0) | (c.writeMsb ? 8 : 0)
                    | (c.countLatched ? 16 : 0) | (c.statusLatched ? 32 : 0) | (c.nullCount ? 64 : 0);
            b.put((byte) flags).putInt(c.writeLatch).putInt(c.latchedCount).put((byte) c.latchedReadsLeft)
                    .put((byte) c.status);
        }
        b.putInt(portB);
        return new DeviceState(TYPE, STATE_VERSION, Arrays.copyOf(b.array(), b.position()));
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        ByteBuffer b = ByteBuffer.wrap(data);
        long now = time.nanoTime();
        try {
            for (Channel c : channels) {
                int count = b.getInt();
                if (count < 1 || count > 0x10000) {
                    throw new IllegalArgumentException(TYPE + " state: count " + count + " out of range");
                }
                c.count = count;
                c.loadTime = now - b.getLong();
                c.mode = Math.min(5, b.get() & 7);
                c.rwMode = b.get() & 3;
                int flags = b.get();
                c.bcd = (flags & 1) != 0;
                c.gate = (flags & 2) != 0;
                c.readMsb = (flags & 4) != 0;
                c.writeMsb = (flags & 8) != 0;
                c.countLatched = (flags & 16) != 0;
                c.statusLatched = (flags & 32) != 0;
                c.nullCount = (flags & 64) != 0;
                c.writeLatch = b.getInt() & 0xff;
                c.latchedCount = b.getInt() & 0xffff;
                c.latchedReadsLeft = b.get();
                c.status = b.get() & 0xff;
            }
            portB = b.getInt() & 0x0f;
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException(TYPE + " state truncated (" + data.length + " bytes)", e);
        }
        if (channels[0].nullCount) {
            nextEdge = Long.MAX_VALUE;
            irqTimer.cancel();
        } else {
            scheduleIrq(now);
        }
    }

    /** Channel {@code i}'s count now, for tests. */
    synchronized int currentCount(int i) {
        return count(channels[i], time.nanoTime());
    }

    @Override
    public String name() {
        return "pit";
    }
}
