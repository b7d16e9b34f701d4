package vmm.core.internal.irq;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;

/**
 * The I/O APIC (82093AA, version 0x20) at 0xFEC00000: 24 input pins, each with a 64-bit
 * redirection entry that turns the pin into an APIC bus message. IOREGSEL is at offset 0x00,
 * IOWIN at 0x10 and the EOI register (version 0x20) at 0x40.
 *
 * <p>Edge-triggered pins deliver on a rising edge (an edge that arrives while the pin is
 * masked is lost, as on the 82093AA and in KVM; kvm-unit-tests check it); level-triggered pins deliver
 * while asserted and set remote IRR, which the EOI of that vector (from a local APIC or the
 * EOI register) clears, delivering again if the line is still asserted. Line levels are
 * logical (asserted or not): the polarity bit is kept for the guest but does not invert them,
 * as in QEMU and KVM, since device models raise "asserted", not electrical levels.
 */
public final class IoApic implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(IoApic.class);
    public static final String TYPE = "ioapic";
    private static final int STATE_VERSION = 1;
    public static final long BASE = 0xfec0_0000L;
    public static final long SIZE = 0x1000;
    public static final int PINS = 24;
    public static final int VERSION = 0x20;

    static final int IOREGSEL = 0x00;
    static final int IOWIN = 0x10;
    static final int EOI = 0x40;

    static final int REG_ID = 0;
    static final int REG_VERSION = 1;
    static final int REG_ARBITRATION = 2;
    static final int REG_TABLE = 0x10;

    static final long MASKED = 1L << 16;
    static final long LEVEL = 1L << 15;
    static final long REMOTE_IRR = 1L << 14;
    static final long DELIVERY_STATUS = 1L << 12;
    /** Bits the guest cannot write: delivery status, remote IRR, reserved 17-55. */
    private static final long WRITABLE = 0xff00_0000_0001_afffL;

    private final ApicBus bus;
    private final long[] table = new long[PINS];
    private int lines; // asserted input lines
    private int irr;   // requests waiting for delivery
    private int selector;
    private int id;

    public IoApic(ApicBus bus) {
        this.bus = bus;
        bus.attach(this);
        powerOn();
    }

    private void powerOn() {
        Arrays.fill(table, MASKED);
        lines = 0;
        irr = 0;
        selector = 0;
        id = 0;
    }

    /** Drives input pin {@code pin} (0-23). */
    public synchronized void setPin(int pin, boolean level) {
        if (pin < 0 || pin >= PINS) {
            throw new IllegalArgumentException("IOAPIC has no pin " + pin);
        }
        int mask = 1 << pin;
        boolean was = (lines & mask) != 0;
        lines = level ? lines | mask : lines & ~mask;
        if ((table[pin] & LEVEL) != 0) {
            irr = level ? irr | mask : irr & ~mask;
        } else if (level && !was && (table[pin] & MASKED) == 0) {
            irr |= mask;
        }
        service();
    }

    /** An EOI for {@code vector}: clears remote IRR of the level pins that use it. */
    public synchronized void endOfInterrupt(int vector) {
        for (int pin = 0; pin < PINS; pin++) {
            long e = table[pin];
            if ((e & 0xff) == vector && (e & LEVEL) != 0 && (e & REMOTE_IRR) != 0) {
                table[pin] = e & ~REMOTE_IRR;
                if ((lines & (1 << pin)) != 0) {
                    irr |= 1 << pin;
                }
            }
        }
        service();
    }

    /** Sends every request that can go now. Called with the lock held. */
    private void service() {
        int pendingPins = irr;
        while (pendingPins != 0) {
            int pin = Integer.numberOfTrailingZeros(pendingPins);
            pendingPins &= pendingPins - 1;
            long e = table[pin];
            if ((e & MASKED) != 0) {
                continue;
            }
            boolean level = (e & LEVEL) != 0;
            if (level) {
                if ((e & REMOTE_IRR) != 0) {
                    continue;
                }
                table[pin] = e | REMOTE_IRR;
            } else {
                irr &= ~(1 << pin);
            }
            int mode = (int) (e >>> 8) & 7;
            int destination = (int) (e >>> 56) & 0xff;
            boolean logical = (e & (1 << 11)) != 0;
            int accepted = bus.deliver(destination, logical, mode, (int) e & 0xff, level, ApicBus.SHORTHAND_NONE, null);
            if (accepted == 0 && level) {
                // Nobody took it, so no EOI will come: do not leave the pin stuck.
                table[pin] &= ~REMOTE_IRR;
                irr &= ~(1 << pin);
            }
        }
    }

    @Override
    public void read(long offset, byte[] data) {
        int value = switch ((int) offset & ~3) {
            case IOREGSEL -> selectorValue();
            case IOWIN -> readRegister();
            default -> 0;
        };
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(value).putInt(0);
        int shift = (int) offset & 3;
        for (int i = 0; i < data.length; i++) {
            data[i] = shift + i < 8 ? b.get(shift + i) : 0;
        }
    }

    private synchronized int selectorValue() {
        return selector;
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        int value = 0;
        for (int i = 0; i < Math.min(4, data.length); i++) {
            value |= (data[i] & 0xff) << (8 * i);
        }
        switch ((int) offset) {
            case IOREGSEL -> selector = value & 0xff;
            case IOWIN -> writeRegister(value);
            case EOI -> endOfInterrupt(value & 0xff);
            default -> LOG.debug("ioapic: write 0x{} at offset 0x{} ignored", Integer.toHexString(value),
                    Long.toHexString(offset));
        }
    }

    private synchronized int readRegister() {
        int s = selector;
        if (s == REG_ID || s == REG_ARBITRATION) {
            return id << 24;
        }
        if (s == REG_VERSION) {
            return (PINS - 1) << 16 | VERSION;
        }
        int pin = (s - REG_TABLE) >> 1;
        if (s >= REG_TABLE && pin < PINS) {
            long e = table[pin];
            return (s & 1) == 0 ? (int) e : (int) (e >>> 32);
        }
        return 0;
    }

    private void writeRegister(int value) {
        int s = selector;
        if (s == REG_ID) {
            id = (value >>> 24) & 0xf;
            return;
        }
        int pin = (s - REG_TABLE) >> 1;
        if (s < REG_TABLE || pin >= PINS) {
            return;
        }
        long old = table[pin];
        long written = (s & 1) == 0 ? (old & 0xffff_ffff_0000_0000L) | (value & 0xffff_ffffL)
                : (old & 0xffff_ffffL) | ((long) value << 32);
        long e = (written & WRITABLE) | (old & ~WRITABLE & (REMOTE_IRR | DELIVERY_STATUS));
        if ((e & LEVEL) == 0) {
            e &= ~REMOTE_IRR; // an edge pin has no remote IRR
            irr &= ~(1 << pin);
        } else if ((lines & (1 << pin)) != 0) {
            irr |= 1 << pin; // a pin switched to level while asserted is a request
        }
        table[pin] = e;
        service();
    }

    /** The redirection entry of {@code pin}, for tests and the monitor. */
    public synchronized long entry(int pin) {
        return table[pin];
    }

    @Override
    public synchronized void reset() {
        powerOn();
    }

    @Override
    public synchronized DeviceState saveState() {
        ByteBuffer b = ByteBuffer.allocate(16 + PINS * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(lines).putInt(irr).putInt(selector).putInt(id);
        for (long e : table) {
            b.putLong(e);
        }
        return new DeviceState(TYPE, STATE_VERSION, b.array());
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        if (data.length != 16 + PINS * 8) {
            throw new IllegalArgumentException(TYPE + " state is " + (16 + PINS * 8) + " bytes, not " + data.length);
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        lines = b.getInt() & 0xff_ffff;
        irr = b.getInt() & 0xff_ffff;
        selector = b.getInt() & 0xff;
        id = b.getInt() & 0xf;
        for (int i = 0; i < PINS; i++) {
            table[i] = b.getLong();
        }
    }

    @Override
    public String name() {
        return "ioapic";
    }
}
