package vmm.core.internal.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;

class Pit8254Test {
    private final ManualTime time = new ManualTime();
    private final AtomicInteger pulses = new AtomicInteger();
    private Pit8254 pit;
    private Bus bus;

    @BeforeEach
    void plugIn() {
        IrqLine irq0 = level -> {
            if (level) {
                pulses.incrementAndGet();
            }
        };
        pit = new Pit8254(time, irq0, time);
        bus = Bus.pio();
        bus.insert(pit, Pit8254.BASE_PORT, Pit8254.PORTS);
        bus.insert(pit.portB(), Pit8254.PORT_B, 1);
    }

    void out(int port, int value) {
        bus.write(port, new byte[] {(byte) value});
    }

    int in(int port) {
        byte[] b = new byte[1];
        bus.read(port, b);
        return b[0] & 0xff;
    }

    @Test
    void rateGeneratorOnChannel0PulsesIrq0AtItsFrequency() {
        out(0x43, 0x34); // channel 0, LSB then MSB, mode 2
        out(0x40, 11932 & 0xff); // 100 Hz
        out(0x40, 11932 >> 8);
        time.advance(1_000_000_000L);
        assertEquals(100, pulses.get(), 1.0);
    }

    @Test
    void squareWaveAndCounterLatch() {
        out(0x43, 0x36); // channel 0, word, mode 3
        out(0x40, 0x00);
        out(0x40, 0x10); // 4096
        time.advance(838 * 100); // ~100 input clocks
        out(0x43, 0x00); // latch channel 0
        time.advance(1_000_000);
        int lsb = in(0x40);
        int msb = in(0x40);
        int latched = lsb | msb << 8;
        assertEquals(4096 - 200, latched, 4.0, "mode 3 counts down by two");
        time.advance(10_000_000);
        assertTrue(pulses.get() >= 2, "square wave edges: " + pulses.get());
    }

    @Test
    void oneShotMode0InterruptsOnceAtTerminalCount() {
        out(0x43, 0x30);
        out(0x40, 0xff);
        out(0x40, 0xff);
        time.advance(54_000_000);
        assertEquals(0, pulses.get());
        time.advance(2_000_000);
        assertEquals(1, pulses.get());
        time.advance(200_000_000);
        assertEquals(1, pulses.get());
    }

    @Test
    void channel2GateAndOutputThroughPort61AsLinuxCalibrates() {
        // pit_calibrate_tsc: gate high, speaker off, channel 2 mode 0 with a 50 ms count.
        out(0x61, (in(0x61) & ~0x02) | 0x01);
        out(0x43, 0xb0);
        int latch = (int) (Pit8254.FREQUENCY_HZ / 20);
        out(0x42, latch & 0xff);
        out(0x42, latch >> 8);
        assertEquals(0, in(0x61) & 0x20, "OUT low while counting");
        time.advance(49_000_000);
        assertEquals(0, in(0x61) & 0x20);
        time.advance(2_000_000);
        assertEquals(0x20, in(0x61) & 0x20, "OUT high at terminal count");
        assertEquals(0x01, in(0x61) & 0x03);
        int before = in(0x61) & 0x10;
        time.advance(15_000);
        assertTrue((in(0x61) & 0x10) != before, "refresh bit toggles");
    }

    @Test
    void readBackCommandLatchesStatusAndCount() {
        out(0x43, 0xb4); // channel 2, word, mode 2
        out(0x42, 0x00);
        out(0x42, 0x20);
        out(0x43, 0xc8); // read-back channel 2: count and status
        int status = in(0x42);
        assertEquals(0x34, status & 0x3f, "rw word, mode 2, binary");
        assertEquals(0, status & 0x40, "count loaded");
        int count = in(0x42) | in(0x42) << 8;
        assertEquals(0x2000, count);
    }

    @Test
    void lsbOnlyAndMsbOnlyAccess() {
        out(0x43, 0x90); // channel 2, LSB only, mode 0
        out(0x42, 0x80);
        assertEquals(0x80, in(0x42));
        out(0x43, 0xa0); // MSB only
        out(0x42, 0x12);
        assertEquals(0x12, in(0x42));
    }

    @Test
    void tinyPeriodsAreRateLimited() {
        out(0x43, 0x34);
        out(0x40, 2);
        out(0x40, 0);
        time.advance(10_000_000);
        assertTrue(pulses.get() <= 101, "at most one edge per 100 us: " + pulses.get());
    }

    @Test
    void stateRestoresAndKeepsTheChannelRunning() {
        out(0x43, 0x34);
        out(0x40, 11932 & 0xff);
        out(0x40, 11932 >> 8);
        time.advance(3_000_000);
        DeviceState saved = pit.saveState();
        ManualTime other = new ManualTime();
        AtomicInteger otherPulses = new AtomicInteger();
        Pit8254 copy = new Pit8254(other, level -> {
            if (level) {
                otherPulses.incrementAndGet();
            }
        }, other);
        copy.restoreState(DeviceState.fromBytes(saved.toBytes()));
        assertEquals(pit.currentCount(0), copy.currentCount(0));
        other.advance(100_000_000);
        assertEquals(10, otherPulses.get(), 1.0);
        pit.reset();
        pulses.set(0);
        time.advance(100_000_000);
        assertEquals(0, pulses.get(), "reset stops channel 0");
    }
}
