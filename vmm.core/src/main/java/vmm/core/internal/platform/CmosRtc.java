package vmm.core.internal.platform;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;

/**
 * The MC146818 real-time clock and its CMOS RAM (claim 0x70 with length 2: offset 0 is the
 * index port, whose bit 7 disables NMIs, offset 1 the data port).
 *
 * <p>The time registers read the host clock (UTC, as QEMU's default {@code -rtc base=utc}),
 * in BCD or binary and 24- or 12-hour form as register B says. A guest that sets the clock
 * (hwclock --systohc) moves an offset from the host clock, applied when it clears register
 * B's SET bit (or at once for a write without it). Registers 0x34/0x35 and 0x5b-0x5d carry
 * the RAM size as QEMU stores it for SeaBIOS ({@link #setMemorySize}); the rest of the
 * 128 bytes is plain NVRAM. Update-ended, alarm and periodic interrupts are not generated
 * (register C reads 0), which Linux does not need to boot or to read the time.
 */
public final class CmosRtc implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(CmosRtc.class);
    public static final String TYPE = "cmos-rtc";
    private static final int STATE_VERSION = 1;
    public static final int BASE_PORT = 0x70;
    public static final int PORTS = 2;

    static final int SECONDS = 0x00;
    static final int MINUTES = 0x02;
    static final int HOURS = 0x04;
    static final int WEEKDAY = 0x06;
    static final int DAY = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    static final int REG_A = 0x0a;
    static final int REG_B = 0x0b;
    static final int REG_C = 0x0c;
    static final int REG_D = 0x0d;
    static final int CENTURY = 0x32;

    static final int B_SET = 0x80;
    static final int B_BINARY = 0x04;
    static final int B_24_HOUR = 0x02;
    static final int D_VALID = 0x80;

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    /** Which registers hold which time field, in the order of {@link #fields}. */
    private static final int[] TIME_REGISTERS = {SECONDS, MINUTES, HOURS, WEEKDAY, DAY, MONTH, YEAR, CENTURY};

    private final Clock clock;
    private final byte[] cmos = new byte[128];
    private int index;
    private boolean nmiDisabled;
    /** Guest time minus host time. */
    private Duration offset = Duration.ZERO;
    /** While register B's SET bit is on: the time fields the guest is writing, binary. */
    private int[] settingFields;

    /** @param clock the host clock the guest's time follows (tests pass a fixed one) */
    public CmosRtc(Clock clock) {
        this.clock = clock;
        powerOn();
    }

    private void powerOn() {
        cmos[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
        cmos[REG_B] = B_24_HOUR;
        cmos[REG_D] = (byte) D_VALID;
    }

    /**
     * Stores the RAM size where SeaBIOS and old guests look, as QEMU's {@code pc_cmos_init}:
     * 0x15/0x16 base memory in KiB (640 at most), 0x17/0x18 and 0x30/0x31 extended memory
     * above 1 MiB in KiB (65535 at most), 0x34/0x35 memory between 16 MiB and 4 GiB in 64 KiB
     * units, 0x5b-0x5d memory above 4 GiB in 64 KiB units.
     */
    public synchronized void setMemorySize(long belowFourGiB, long aboveFourGiB) {
        put16(0x15, Math.min(belowFourGiB / KIB, 640));
        long extended = belowFourGiB > MIB ? Math.min((belowFourGiB - MIB) / KIB, 0xffff) : 0;
        put16(0x17, extended);
        put16(0x30, extended);
        long above16 = belowFourGiB > 16 * MIB ? Math.min((belowFourGiB - 16 * MIB) / (64 * KIB), 0xffff) : 0;
        put16(0x34, above16);
        long high = aboveFourGiB / (64 * KIB);
        cmos[0x5b] = (byte) high;
        cmos[0x5c] = (byte) (high >>> 8);
        cmos[0x5d] = (byte) (high >>> 16);
    }

    private void put16(int register, long value) {
        cmos[register] = (byte) value;
        cmos[register + 1] = (byte) (value >>> 8);
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        Arrays.fill(data, (byte) 0xff);
        if (offset == 1) {
            data[0] = (byte) readRegister(index);
        }
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        int value = data[0] & 0xff;
        if (offset == 0) {
            index = value & 0x7f;
            nmiDisabled = (value & 0x80) != 0;
        } else if (offset == 1) {
            writeRegister(index, value);
        }
    }

    /** Whether the guest's last index write had bit 7 set (NMIs masked). */
    public synchronized boolean nmiDisabled() {
        return nmiDisabled;
    }

    /** The register the index port selects, 0-127. */
    public synchronized int readRegister(int register) {
        int field = timeField(register);
        if (field >= 0) {
            int[] fields = settingFields != null ? settingFields : currentFields();
            return encode(register, fields[field]);
        }
        return switch (register) {
            case REG_A -> cmos[REG_A] & 0x7f; // UIP never set: reads never race an update
            case REG_C -> 0; // no interrupt flags: none are generated
            case REG_D -> D_VALID;
            default -> cmos[register] & 0xff;
        };
    }

    public synchronized void writeRegister(int register, int value) {
        int field = timeField(register);
        if (field >= 0) {
            if (register == WEEKDAY) {
                return; // derived from the date
            }
            int decoded = decode(register, value);
            if (settingFields != null) {
                settingFields[field] = decoded;
            } else {
                int[] fields = currentFields();
                fields[field] = decoded;
                applyTime(fields);
            }
            return;
        }
        switch (register) {
            case REG_B -> writeRegisterB(value);
            case REG_C, REG_D -> LOG.debug("cmos: write to read-only register 0x{} ignored", Integer.toHexString(register));
            case REG_A -> cmos[REG_A] = (byte) (value & 0x7f);
            default -> cmos[register] = (byte) value;
        }
    }

    private void writeRegisterB(int value) {
        boolean wasSetting = settingFields != null;
        boolean setting = (value & B_SET) != 0;
        if (setting && !wasSetting) {
            settingFields = currentFields();
        }
        cmos[REG_B] = (byte) value;
        if (!setting && wasSetting) {
            int[] fields = settingFields;
            settingFields = null;
            applyTime(fields);
        }
    }

    private static int timeField(int register) {
        for (int i = 0; i < TIME_REGISTERS.length; i++) {
            if (TIME_REGISTERS[i] == register) {
                return i;
            }
        }
        return -1;
    }

    /** Guest time now, binary: seconds, minutes, hours (0-23), weekday (1 = Sunday), day, month, year % 100, century. */
    private int[] currentFields() {
        LocalDateTime t = LocalDateTime.ofInstant(clock.instant().plus(offset), ZoneOffset.UTC);
        return new int[] {t.getSecond(), t.getMinute(), t.getHour(), t.getDayOfWeek().getValue() % 7 + 1,
            t.getDayOfMonth(), t.getMonthValue(), t.getYear() % 100, t.getYear() / 100};
    }

    private void applyTime(int[] f) {
        try {
            LocalDateTime guest = LocalDateTime.of(f[7] * 100 + f[6], f[5], f[4], f[2], f[1], f[0]);
            offset = Duration.between(clock.instant(), guest.toInstant(ZoneOffset.UTC));
            LOG.debug("cmos: guest set the clock to {}", guest);
        } catch (DateTimeException e) {
            // A guest writing nonsense keeps the old time, as a real RTC would misbehave silently.
            LOG.debug("cmos: guest wrote an invalid time {}, clock unchanged: {}", Arrays.toString(f), e.getMessage());
        }
    }

    private int encode(int register, int value) {
        int b = cmos[REG_B];
        boolean binary = (b & B_BINARY) != 0;
        if (register == HOURS && (b & B_24_HOUR) == 0) {
            boolean pm = value >= 12;
            int h12 = value % 12 == 0 ? 12 : value % 12;
            return (binary ? h12 : toBcd(h12)) | (pm ? 0x80 : 0);
        }
        return binary ? value : toBcd(value);
    }

    private int decode(int register, int value) {
        int b = cmos[REG_B];
        boolean binary = (b & B_BINARY) != 0;
        if (register == HOURS && (b & B_24_HOUR) == 0) {
            boolean pm = (value & 0x80) != 0;
            int h12 = binary ? value & 0x7f : fromBcd(value & 0x7f);
            return h12 % 12 + (pm ? 12 : 0);
        }
        return binary ? value : fromBcd(value);
    }

    static int toBcd(int value) {
        return (value / 10) << 4 | value % 10;
    }

    static int fromBcd(int value) {
        return (value >> 4) * 10 + (value & 0xf);
    }

    @Override
    public synchronized void reset() {
        // The RTC is battery-backed: a reset keeps the time and the NVRAM, only the index goes.
        index = 0;
        nmiDisabled = false;
    }

    @Override
    public synchronized DeviceState saveState() {
        byte[] data = new byte[128 + 2 + 8];
        System.arraycopy(cmos, 0, data, 0, 128);
        data[128] = (byte) index;
        data[129] = (byte) (nmiDisabled ? 1 : 0);
        long millis = offset.toMillis();
        for (int i = 0; i < 8; i++) {
            data[130 + i] = (byte) (millis >>> (8 * i));
        }
        return new DeviceState(TYPE, STATE_VERSION, data);
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        if (data.length != 138) {
            throw new IllegalArgumentException(TYPE + " state is 138 bytes, not " + data.length);
        }
        System.arraycopy(data, 0, cmos, 0, 128);
        index = data[128] & 0x7f;
        nmiDisabled = data[129] != 0;
        long millis = 0;
        for (int i = 0; i < 8; i++) {
            millis |= (data[130 + i] & 0xffL) << (8 * i);
        }
        offset = Duration.ofMillis(millis);
        settingFields = (cmos[REG_B] & B_SET) != 0 ? currentFields() : null;
    }

    @Override
    public String name() {
        return "cmos";
    }
}
