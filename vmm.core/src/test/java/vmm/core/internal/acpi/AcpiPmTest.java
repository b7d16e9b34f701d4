package vmm.core.internal.acpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.device.DeviceState;
import vmm.core.internal.timer.ManualTime;

class AcpiPmTest {
    private final ManualTime time = new ManualTime();
    private final AtomicInteger powerOffs = new AtomicInteger();
    private final boolean[] sci = new boolean[1];
    private AcpiPm pm;
    private Bus bus;

    @BeforeEach
    void plugIn() {
        pm = new AcpiPm(time, level -> sci[0] = level, powerOffs::incrementAndGet, time);
        bus = Bus.pio();
        bus.insert(pm, AcpiPm.BASE_PORT, AcpiPm.PORTS);
    }

    void out(int port, int size, int value) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        bus.write(port, b);
    }

    int in(int port, int size) {
        byte[] b = new byte[size];
        bus.read(port, b);
        int v = 0;
        for (int i = 0; i < size; i++) {
            v |= (b[i] & 0xff) << (8 * i);
        }
        return v;
    }

    @Test
    void pmTimerCountsAt3579545HzAndWraps24Bits() {
        int t0 = in(AcpiPm.PM_TMR, 4);
        time.advance(1_000_000_000L);
        int t1 = in(AcpiPm.PM_TMR, 4);
        assertEquals(3_579_545, (t1 - t0) & 0xff_ffff, 1.0);
        time.advance(10_000_000_000L);
        assertEquals(0, in(AcpiPm.PM_TMR, 4) & 0xff00_0000, "24 bits");
    }

    @Test
    void timerOverflowSetsStatusAndRaisesSciWhenEnabled() {
        out(AcpiPm.PM1_EVT + 2, 2, 0x0001); // TMR_EN
        time.advance(2_400_000_000L); // past 2^23 ticks (2.34 s)
        assertEquals(1, in(AcpiPm.PM1_EVT, 2) & 1);
        assertTrue(sci[0], "SCI asserted at the overflow");
        out(AcpiPm.PM1_EVT, 2, 0x0001); // write 1 to clear
        assertEquals(0, in(AcpiPm.PM1_EVT, 2) & 1);
        assertFalse(sci[0]);
    }

    @Test
    void powerButtonRaisesSciOnceEnabled() {
        assertFalse(pm.pressPowerButton(), "guest has not enabled the event");
        assertFalse(sci[0]);
        assertEquals(0x100, in(AcpiPm.PM1_EVT, 2) & 0x100);
        out(AcpiPm.PM1_EVT + 2, 2, 0x0100);
        assertTrue(sci[0]);
        out(AcpiPm.PM1_EVT, 4, 0x0100_0100); // clear the status and keep the enable, one dword write
        assertFalse(sci[0]);
        assertEquals(0x100, in(AcpiPm.PM1_EVT + 2, 2));
        assertTrue(pm.pressPowerButton());
        assertTrue(sci[0]);
        out(AcpiPm.PM1_CNT, 2, 0); // SCI_EN off gates the SCI
        assertFalse(sci[0]);
    }

    @Test
    void s5PowersOffAndOtherSleepStatesDoNot() {
        assertEquals(1, in(AcpiPm.PM1_CNT, 2) & 1, "SCI_EN from power-on");
        out(AcpiPm.PM1_CNT, 2, (1 << 10) | (1 << 13) | 1); // S1
        assertEquals(0, powerOffs.get());
        out(AcpiPm.PM1_CNT, 2, (5 << 10) | 1);
        assertEquals(0, powerOffs.get(), "SLP_TYP alone does nothing");
        assertEquals(5 << 10 | 1, in(AcpiPm.PM1_CNT, 2), "SLP_EN reads 0");
        out(AcpiPm.PM1_CNT, 2, (5 << 10) | (1 << 13) | 1);
        assertEquals(1, powerOffs.get());
    }

    @Test
    void stateKeepsTheTimerValue() {
        time.advance(123_456_789L);
        out(AcpiPm.PM1_EVT + 2, 2, 0x0100);
        DeviceState saved = pm.saveState();
        ManualTime other = new ManualTime();
        other.advance(999_999_999L);
        AcpiPm copy = new AcpiPm(other, level -> { }, () -> { }, other);
        copy.restoreState(DeviceState.fromBytes(saved.toBytes()));
        assertEquals(pm.timerValue(), copy.timerValue(), 1.0);
        pm.reset();
        assertEquals(0, in(AcpiPm.PM1_EVT + 2, 2));
    }
}
