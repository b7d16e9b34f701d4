package vmm.core.internal.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;

class HpetTest {
    private final ManualTime time = new ManualTime();
    private final Map<Integer, Integer> edges = new HashMap<>();
    private final Map<Integer, Boolean> levels = new HashMap<>();
    private Hpet hpet;
    private Bus mmio;

    @BeforeEach
    void plugIn() {
        hpet = new Hpet(time, gsi -> (IrqLine) level -> {
            levels.put(gsi, level);
            if (level) {
                edges.merge(gsi, 1, Integer::sum);
            }
        }, time);
        mmio = Bus.mmio();
        mmio.insert(hpet, Hpet.BASE, Hpet.SIZE);
    }

    long read64(int offset) {
        byte[] b = new byte[8];
        mmio.read(Hpet.BASE + offset, b);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (b[i] & 0xffL) << (8 * i);
        }
        return v;
    }

    int read32(int offset) {
        byte[] b = new byte[4];
        mmio.read(Hpet.BASE + offset, b);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    void write32(int offset, int value) {
        mmio.write(Hpet.BASE + offset, new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)});
    }

    @Test
    void capabilitiesAndCounterAt100MHz() {
        long cap = read64(0);
        assertEquals(10_000_000L, cap >>> 32, "10 ns period in fs");
        assertEquals(0x8086, (cap >>> 16) & 0xffff);
        assertEquals(0x8000, cap & 0x8000, "legacy replacement capable");
        assertEquals(2, (cap >>> 8) & 0x1f, "three timers");
        assertEquals(0, read64(0xf0), "halted at power-on");
        time.advance(1_000_000);
        assertEquals(0, read64(0xf0));
        write32(0x10, 1);
        time.advance(1_000_000);
        assertEquals(100_000, read64(0xf0));
        write32(0x10, 0);
        time.advance(1_000_000);
        assertEquals(100_000, read64(0xf0), "stopped");
        assertEquals(100_000, read32(0xf0), "low half");
    }

    @Test
    void legacyPeriodicTimer0AsLinuxProgramsItDrivesIrq0() {
        write32(0x10, 3); // enable, legacy replacement
        int delta = 1_000_000; // 10 ms
        int now = read32(0xf0);
        write32(0x100, (int) (Hpet.TN_ENABLE | Hpet.TN_PERIODIC | Hpet.TN_SETVAL | Hpet.TN_32BIT));
        write32(0x108, now + delta);
        write32(0x108, delta);
        time.advance(1_000_000_000L);
        assertEquals(100, edges.getOrDefault(0, 0), 1.0);
        assertEquals(0, edges.getOrDefault(8, 0));
    }

    @Test
    void oneShotLevelTimerOnARoutedPinHoldsUntilStatusCleared() {
        write32(0x10, 1);
        write32(0x120, (int) (Hpet.TN_ENABLE | Hpet.TN_LEVEL | (21 << 9)));
        assertEquals(Hpet.ROUTE_CAP, read64(0x120) >>> 32);
        write32(0x128, 5000);
        write32(0x12c, 0);
        time.advance(49_000);
        assertFalse(levels.getOrDefault(21, false));
        time.advance(2_000);
        assertTrue(levels.get(21));
        assertEquals(2, read32(0x20), "timer 1 status");
        write32(0x20, 2);
        assertFalse(levels.get(21));
        time.advance(100_000_000);
        assertEquals(1, edges.get(21), "one shot");
    }

    @Test
    void stateRoundTrip() {
        write32(0x10, 1);
        time.advance(5_000_000);
        DeviceState saved = hpet.saveState();
        ManualTime other = new ManualTime();
        Hpet copy = new Hpet(other, gsi -> IrqLine.NONE, other);
        copy.restoreState(DeviceState.fromBytes(saved.toBytes()));
        assertEquals(500_000, copy.counter(other.nanoTime()));
        hpet.reset();
        assertEquals(0, read64(0xf0));
    }
}
