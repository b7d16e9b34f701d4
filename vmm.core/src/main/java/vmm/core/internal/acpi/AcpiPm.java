package vmm.core.internal.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;
import vmm.core.internal.timer.TimeSource;
import vmm.core.internal.timer.TimerService;

/**
 * The ACPI fixed-hardware power-management block, laid out as on QEMU's PIIX4 at
 * {@link #BASE_PORT} 0x600: PM1a event (status at +0, enable at +2), PM1a control at +4 and
 * the 24-bit PM timer at +8, 3.579545 MHz derived from the platform's time base.
 *
 * <p>What it does: the fixed power button (status/enable bit 8; {@link #pressPowerButton()}
 * is the management layer's graceful shutdown), the PM timer's overflow status (bit 0, with
 * its SCI when enabled, signalled at the overflow instant through the timer service), SCI_EN
 * (set from power-on: the FADT has no SMI command port, so the machine is always in ACPI
 * mode), and sleep requests: SLP_EN with SLP_TYP 5, the DSDT's \_S5, calls the power-off
 * callback; other sleep states are not offered by the DSDT and are ignored. The SCI is
 * level-triggered on ISA IRQ 9, asserted while an enabled status bit is set and SCI_EN is on.
 */
public final class AcpiPm implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(AcpiPm.class);
    public static final String TYPE = "acpi-pm";
    private static final int STATE_VERSION = 1;
    public static final int BASE_PORT = 0x600;
    public static final int PORTS = 12;
    public static final int PM1_EVT = BASE_PORT;
    public static final int PM1_CNT = BASE_PORT + 4;
    public static final int PM_TMR = BASE_PORT + 8;
    public static final int SCI_IRQ = 9;
    public static final long TIMER_HZ = 3_579_545;
    /** The SLP_TYP value of \_S5 in the DSDT. */
    public static final int SLP_TYP_S5 = 5;

    static final int TMR_STS = 1;
    static final int BM_STS = 1 << 4;
    static final int GBL_STS = 1 << 5;
    static final int PWRBTN_STS = 1 << 8;
    static final int SLPBTN_STS = 1 << 9;
    static final int RTC_STS = 1 << 10;
    static final int WAK_STS = 1 << 15;
    private static final int STS_MASK = TMR_STS | BM_STS | GBL_STS | PWRBTN_STS | SLPBTN_STS | RTC_STS | WAK_STS;
    private static final int EN_MASK = TMR_STS | GBL_STS | PWRBTN_STS | SLPBTN_STS | RTC_STS;
    static final int SCI_EN = 1;
    static final int SLP_EN = 1 << 13;
    private static final int CNT_MASK = 0x1c07; // SCI_EN, BM_RLD, GBL_RLS, SLP_TYP

    private final TimeSource time;
    private final IrqLine sci;
    private final Runnable powerOff;
    private final TimerService.Timer overflowTimer;
    private long origin;
    private int status;
    private int enable;
    private int control;
    private long timerEpoch;
    private boolean sciLevel;

    /**
     * @param sci      ISA IRQ 9
     * @param powerOff called when the guest enters S5
     */
    public AcpiPm(TimeSource time, IrqLine sci, Runnable powerOff, TimerService timers) {
        this.time = time;
        this.sci = sci;
        this.powerOff = powerOff;
        this.overflowTimer = timers.newTimer("acpi-pm-timer", this::overflowDue);
        powerOn();
    }

    private void powerOn() {
        origin = time.nanoTime();
        status = 0;
        enable = 0;
        control = SCI_EN;
        timerEpoch = 0;
        overflowTimer.cancel();
        updateSci();
    }

    private long ticks(long now) {
        return TimeSource.ticks(now - origin, TIMER_HZ);
    }

    /** The PM timer register: 24 bits. */
    public synchronized int timerValue() {
        return (int) (ticks(time.nanoTime()) & 0xff_ffff);
    }

    /** Sets TMR_STS if bit 23 of the timer changed since last looked at. */
    private void catchUpTimer(long now) {
        long epoch = ticks(now) >>> 23;
        if (epoch != timerEpoch) {
            timerEpoch = epoch;
            status |= TMR_STS;
        }
    }

    private void overflowDue() {
        synchronized (this) {
            catchUpTimer(time.nanoTime());
            armOverflow();
            updateSci();
        }
    }

    private void armOverflow() {
        if ((enable & TMR_STS) != 0) {
            long nextTick = (timerEpoch + 1) << 23;
            overflowTimer.arm(origin + TimeSource.nanos(nextTick, TIMER_HZ));
        } else {
            overflowTimer.cancel();
        }
    }

    /**
     * Presses the power button: the guest's ACPI driver sees PWRBTN_STS (through an SCI if it
     * enabled the event) and typically shuts down in an orderly way.
     *
     * @return whether the guest had enabled the power button event (if not, it will not react)
     */
    public synchronized boolean pressPowerButton() {
        status |= PWRBTN_STS;
        updateSci();
        return (enable & PWRBTN_STS) != 0;
    }

    private void updateSci() {
        boolean level = (control & SCI_EN) != 0 && (status & enable & EN_MASK) != 0;
        if (level != sciLevel) {
            sciLevel = level;
            sci.set(level);
        }
    }

    /** The 12 bytes of the block as the guest reads them now. */
    private byte[] image() {
        long now = time.nanoTime();
        catchUpTimer(now);
        ByteBuffer b = ByteBuffer.allocate(PORTS).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) status).putShort((short) enable).putShort((short) control).putShort((short) 0)
                .putInt((int) (ticks(now) & 0xff_ffff));
        return b.array();
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        byte[] image = image();
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            data[i] = at < PORTS ? image[(int) at] : (byte) 0xff;
        }
        updateSci();
    }

    @Override
    public void write(long offset, byte[] data) {
        boolean off = false;
        synchronized (this) {
            catchUpTimer(time.nanoTime());
            for (int reg = 0; reg < 8; reg += 2) {
                int value = 0;
                int written = 0;
                for (int i = 0; i < data.length; i++) {
                    long at = offset + i;
                    if (at == reg || at == reg + 1) {
                        int shift = (int) (at - reg) * 8;
                        value |= (data[i] & 0xff) << shift;
                        written |= 0xff << shift;
                    }
                }
                if (written == 0) {
                    continue;
                }
                switch (reg) {
                    case 0 -> status &= ~(value & written & STS_MASK);
                    case 2 -> {
                        enable = ((enable & ~written) | (value & written)) & EN_MASK;
                        armOverflow();
                    }
                    case 4 -> off |= writeControl((control & ~written) | (value & written));
                    default -> {
                    }
                }
            }
            updateSci();
        }
        if (off) {
            powerOff.run();
        }
    }

    /** Returns true when the write asks for S5. */
    private boolean writeControl(int value) {
        control = value & CNT_MASK;
        if ((value & SLP_EN) == 0) {
            return false;
        }
        int type = (value >>> 10) & 7;
        if (type == SLP_TYP_S5) {
            LOG.info("acpi: guest entered S5 (soft off)");
            return true;
        }
        LOG.info("acpi: guest asked for sleep type {}, which this machine does not offer; ignored", type);
        return false;
    }

    @Override
    public synchronized void reset() {
        powerOn();
    }

    @Override
    public synchronized DeviceState saveState() {
        long now = time.nanoTime();
        catchUpTimer(now);
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) status).putShort((short) enable).putShort((short) control).putShort((short) 0)
                .putLong(ticks(now)).putInt(0);
        return new DeviceState(TYPE, STATE_VERSION, b.array());
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        if (data.length != 20) {
            throw new IllegalArgumentException(TYPE + " state is 20 bytes, not " + data.length);
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        status = b.getShort() & STS_MASK;
        enable = b.getShort() & EN_MASK;
        control = b.getShort() & CNT_MASK;
        b.getShort();
        long ticks = b.getLong();
        long now = time.nanoTime();
        origin = now - TimeSource.nanos(ticks, TIMER_HZ);
        timerEpoch = ticks >>> 23;
        armOverflow();
        updateSci();
    }

    @Override
    public String name() {
        return "acpi-pm";
    }
}
