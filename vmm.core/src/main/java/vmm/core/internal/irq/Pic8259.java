package vmm.core.internal.irq;

import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;

/**
 * The PC's two cascaded 8259A interrupt controllers: the master at ports 0x20-0x21 with the
 * slave on its IRQ2, the slave at 0xA0-0xA1, and the PIIX edge/level control registers (ELCR)
 * at 0x4D0-0x4D1. Claim each of the three port pairs with this one device: {@link #MASTER},
 * {@link #SLAVE} and {@link #ELCR} are the bases; the device tells them apart by the offset
 * {@link #read}/{@link #write} get relative to the range each claim starts at, so the machine
 * inserts {@link #master()}, {@link #slave()} and {@link #elcr()}, three views of one state.
 *
 * <p>Behaviour follows the 8259A data sheet as QEMU models it: ICW1-4, OCW1-3 (masks,
 * non-specific/specific/rotating EOI, set priority, special mask, poll, IRR/ISR read), auto-EOI
 * with rotation, special fully nested mode, edge and level triggering per ELCR, and the
 * spurious IRQ7/IRQ15 of an INTA cycle that finds nothing. The master's INT output is what
 * the BSP's local APIC sees on LINT0 ({@link #output()}); {@link #acknowledge()} is the INTA
 * cycle that returns the vector.
 */
public final class Pic8259 {
    private static final Logger LOG = LoggerFactory.getLogger(Pic8259.class);
    public static final String TYPE = "i8259";
    private static final int STATE_VERSION = 1;
    public static final int MASTER = 0x20;
    public static final int SLAVE = 0xa0;
    public static final int ELCR = 0x4d0;

    private final Chip[] chips = {new Chip(0xf8), new Chip(0xde)};
    private final Runnable onOutputChange;
    private volatile boolean output;

    /** @param onOutputChange called (outside the PIC's lock) when the master's INT output changes */
    public Pic8259(Runnable onOutputChange) {
        this.onOutputChange = onOutputChange;
    }

    /** One 8259A. Fields follow the data sheet's names. */
    private static final class Chip {
        final int elcrMask;
        int lastIrr; // line levels seen last, for edge detection
        int irr;
        int imr;
        int isr;
        int priorityAdd;
        int irqBase;
        boolean readIsr;
        boolean poll;
        boolean specialMask;
        int initState;
        boolean autoEoi;
        boolean rotateOnAutoEoi;
        boolean specialFullyNested;
        boolean init4;
        boolean singleMode;
        int elcr;

        Chip(int elcrMask) {
            this.elcrMask = elcrMask;
        }

        void initReset() {
            lastIrr = 0;
            irr &= elcr;
            imr = 0;
            isr = 0;
            priorityAdd = 0;
            irqBase = 0;
            readIsr = false;
            poll = false;
            specialMask = false;
            initState = 0;
            autoEoi = false;
            rotateOnAutoEoi = false;
            specialFullyNested = false;
            init4 = false;
            singleMode = false;
        }

        /** The rank (0 best, 8 none) of the best bit of {@code mask} under the current rotation. */
        int priority(int mask) {
            if ((mask & 0xff) == 0) {
                return 8;
            }
            int p = 0;
            while ((mask & (1 << ((p + priorityAdd) & 7))) == 0) {
                p++;
            }
            return p;
        }

        /** The IRQ this chip would signal now, or -1. */
        int pending(boolean master) {
            int p = priority(irr & ~imr);
            if (p == 8) {
                return -1;
            }
            int inService = isr;
            if (specialMask) {
                inService &= ~imr;
            }
            if (specialFullyNested && master) {
                inService &= ~(1 << 2);
            }
            return p < priority(inService) ? (p + priorityAdd) & 7 : -1;
        }

        void setLine(int irq, boolean level) {
            int mask = 1 << irq;
            if ((elcr & mask) != 0) {
                irr = level ? irr | mask : irr & ~mask;
                lastIrr = level ? lastIrr | mask : lastIrr & ~mask;
            } else if (level) {
                if ((lastIrr & mask) == 0) {
                    irr |= mask;
                }
                lastIrr |= mask;
            } else {
                lastIrr &= ~mask;
            }
        }

        void intack(int irq) {
            if (autoEoi) {
                if (rotateOnAutoEoi) {
                    priorityAdd = (irq + 1) & 7;
                }
            } else {
                isr |= 1 << irq;
            }
            if ((elcr & (1 << irq)) == 0) {
                irr &= ~(1 << irq);
            }
        }
    }

    /** The master's INT output as the CPU (LINT0) sees it. */
    public boolean output() {
        return output;
    }

    /**
     * Drives ISA IRQ {@code irq} (0-15; 2 is the cascade and has no device) to {@code level}.
     */
    public void setIrq(int irq, boolean level) {
        if (irq < 0 || irq > 15) {
            throw new IllegalArgumentException("no ISA IRQ " + irq);
        }
        boolean changed;
        synchronized (this) {
            chips[irq >> 3].setLine(irq & 7, level);
            changed = update();
        }
        notifyIfChanged(changed);
    }

    /**
     * The INTA cycle: accepts the highest-priority request and returns its vector; a request
     * that went away meanwhile gives the spurious vector of IRQ7 (or IRQ15 for the slave).
     */
    public int acknowledge() {
        boolean changed;
        int vector;
        synchronized (this) {
            Chip master = chips[0];
            Chip slave = chips[1];
            int irq = master.pending(true);
            if (irq >= 0) {
                if (irq == 2) {
                    int irq2 = slave.pending(false);
                    if (irq2 >= 0) {
                        slave.intack(irq2);
                    } else {
                        irq2 = 7;
                    }
                    vector = slave.irqBase + irq2;
                } else {
                    vector = master.irqBase + irq;
                }
                master.intack(irq);
            } else {
                vector = master.irqBase + 7;
            }
            changed = update();
        }
        notifyIfChanged(changed);
        return vector;
    }

    /** Propagates the slave's output to master IRQ2 and recomputes the master's; true if it changed. */
    private boolean update() {
        chips[0].setLine(2, chips[1].pending(false) >= 0);
        boolean now = chips[0].pending(true) >= 0;
        boolean changed = now != output;
        output = now;
        return changed;
    }

    private void notifyIfChanged(boolean changed) {
        if (changed) {
            onOutputChange.run();
        }
    }

    /** The command/data port pair of the master (claim at 0x20, 2 ports). */
    public BusDevice master() {
        return new Ports(0, "pic-master");
    }

    /** The command/data port pair of the slave (claim at 0xA0, 2 ports). */
    public BusDevice slave() {
        return new Ports(1, "pic-slave");
    }

    /** ELCR1 and ELCR2 (claim at 0x4D0, 2 ports). */
    public BusDevice elcr() {
        return new Ports(2, "pic-elcr");
    }

    /** The guest's view of one port pair; reset and state belong to the first view only. */
    private final class Ports implements BusDevice {
        private final int which;
        private final String name;

        Ports(int which, String name) {
            this.which = which;
            this.name = name;
        }

        @Override
        public void read(long offset, byte[] data) {
            Arrays.fill(data, (byte) 0);
            data[0] = (byte) readPort(which, (int) offset);
        }

        @Override
        public void write(long offset, byte[] data) {
            writePort(which, (int) offset, data[0] & 0xff);
        }

        @Override
        public void reset() {
            if (which == 0) {
                Pic8259.this.reset();
            }
        }

        @Override
        public DeviceState saveState() {
            return which == 0 ? Pic8259.this.saveState() : new DeviceState(TYPE + "-view", 1, new byte[0]);
        }

        @Override
        public void restoreState(DeviceState state) {
            if (which == 0) {
                Pic8259.this.restoreState(state);
            } else {
                state.require(TYPE + "-view", 1);
            }
        }

        @Override
        public String name() {
            return name;
        }
    }

    int readPort(int which, int offset) {
        boolean changed = false;
        int value;
        synchronized (this) {
            if (which == 2) {
                value = offset < 2 ? chips[offset].elcr : 0xff;
            } else {
                Chip s = chips[which];
                if (s.poll) {
                    s.poll = false;
                    int irq = s.pending(which == 0);
                    if (irq >= 0) {
                        s.intack(irq);
                        value = irq | 0x80;
                    } else {
                        value = 0;
                    }
                    changed = update();
                } else if (offset == 0) {
                    value = s.readIsr ? s.isr : s.irr;
                } else {
                    value = s.imr;
                }
            }
        }
        notifyIfChanged(changed);
        return value;
    }

    void writePort(int which, int offset, int value) {
        boolean changed;
        synchronized (this) {
            if (which == 2) {
                if (offset < 2) {
                    Chip s = chips[offset];
                    s.elcr = value & s.elcrMask;
                }
            } else if (offset == 0) {
                writeCommand(chips[which], value);
            } else {
                writeData(chips[which], value);
            }
            changed = update();
        }
        notifyIfChanged(changed);
    }

    private static void writeCommand(Chip s, int value) {
        if ((value & 0x10) != 0) { // ICW1
            s.initReset();
            s.initState = 1;
            s.init4 = (value & 0x01) != 0;
            s.singleMode = (value & 0x02) != 0;
            if ((value & 0x08) != 0) {
                LOG.debug("pic: ICW1 level-triggered mode ignored (the ELCR decides on a PIIX)");
            }
        } else if ((value & 0x08) != 0) { // OCW3
            if ((value & 0x04) != 0) {
                s.poll = true;
            }
            if ((value & 0x02) != 0) {
                s.readIsr = (value & 0x01) != 0;
            }
            if ((value & 0x40) != 0) {
                s.specialMask = (value & 0x20) != 0;
            }
        } else { // OCW2
            int command = value >> 5;
            switch (command) {
                case 0, 4 -> s.rotateOnAutoEoi = command == 4;
                case 1, 5 -> { // non-specific EOI, with rotation for 5
                    int p = s.priority(s.isr);
                    if (p != 8) {
                        int irq = (p + s.priorityAdd) & 7;
                        s.isr &= ~(1 << irq);
                        if (command == 5) {
                            s.priorityAdd = (irq + 1) & 7;
                        }
                    }
                }
                case 3 -> s.isr &= ~(1 << (value & 7));
                case 6 -> s.priorityAdd = (value + 1) & 7;
                case 7 -> {
                    int irq = value & 7;
                    s.isr &= ~(1 << irq);
                    s.priorityAdd = (irq + 1) & 7;
                }
                default -> { // 2: no operation
                }
            }
        }
    }

    private static void writeData(Chip s, int value) {
        switch (s.initState) {
            case 0 -> s.imr = value; // OCW1
            case 1 -> { // ICW2
                s.irqBase = value & 0xf8;
                s.initState = s.singleMode ? (s.init4 ? 3 : 0) : 2;
            }
            case 2 -> s.initState = s.init4 ? 3 : 0; // ICW3: the cascade wiring is fixed
            default -> { // ICW4
                s.specialFullyNested = (value & 0x10) != 0;
                s.autoEoi = (value & 0x02) != 0;
                s.initState = 0;
            }
        }
    }

    /**
     * Programs both chips as firmware does (ICW1-4 with the cascade on IRQ2, 8086 mode, normal
     * EOI), then the masks and the ELCR ({@code elcr} bits 0-15 are IRQ 0-15).
     */
    public void initialize(int masterBase, int slaveBase, int masterMask, int slaveMask, int elcr) {
        writePort(0, 0, 0x11);
        writePort(0, 1, masterBase);
        writePort(0, 1, 0x04);
        writePort(0, 1, 0x01);
        writePort(1, 0, 0x11);
        writePort(1, 1, slaveBase);
        writePort(1, 1, 0x02);
        writePort(1, 1, 0x01);
        writePort(0, 1, masterMask);
        writePort(1, 1, slaveMask);
        writePort(2, 0, elcr & 0xff);
        writePort(2, 1, elcr >>> 8);
    }

    /** Test and debugging view: IRR, ISR and IMR of chip 0 (master) or 1 (slave). */
    public synchronized int[] registers(int chip) {
        Chip s = chips[chip];
        return new int[] {s.irr, s.isr, s.imr};
    }

    public void reset() {
        boolean changed;
        synchronized (this) {
            for (Chip s : chips) {
                s.elcr = 0;
                s.initReset();
                s.irr = 0;
            }
            changed = update();
        }
        notifyIfChanged(changed);
    }

    public synchronized DeviceState saveState() {
        byte[] data = new byte[2 * 16];
        for (int i = 0; i < 2; i++) {
            Chip s = chips[i];
            int o = i * 16;
            data[o] = (byte) s.lastIrr;
            data[o + 1] = (byte) s.irr;
            data[o + 2] = (byte) s.imr;
            data[o + 3] = (byte) s.isr;
            data[o + 4] = (byte) s.priorityAdd;
            data[o + 5] = (byte) s.irqBase;
            data[o + 6] = (byte) s.initState;
            data[o + 7] = (byte) s.elcr;
            data[o + 8] = (byte) ((s.readIsr ? 1 : 0) | (s.poll ? 2 : 0) | (s.specialMask ? 4 : 0)
                    | (s.autoEoi ? 8 : 0) | (s.rotateOnAutoEoi ? 16 : 0) | (s.specialFullyNested ? 32 : 0)
                    | (s.init4 ? 64 : 0) | (s.singleMode ? 128 : 0));
        }
        return new DeviceState(TYPE, STATE_VERSION, data);
    }

    public void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        if (data.length != 32) {
            throw new IllegalArgumentException(TYPE + " state is 32 bytes, not " + data.length);
        }
        boolean changed;
        synchronized (this) {
            for (int i = 0; i < 2; i++) {
                Chip s = chips[i];
                int o = i * 16;
                s.lastIrr = data[o] & 0xff;
                s.irr = data[o + 1] & 0xff;
                s.imr = data[o + 2] & 0xff;
                s.isr = data[o + 3] & 0xff;
                s.priorityAdd = data[o + 4] & 7;
                s.irqBase = data[o + 5] & 0xf8;
                s.initState = Math.min(3, data[o + 6] & 0xff);
                s.elcr = data[o + 7] & s.elcrMask;
                int f = data[o + 8];
                s.readIsr = (f & 1) != 0;
                s.poll = (f & 2) != 0;
                s.specialMask = (f & 4) != 0;
                s.autoEoi = (f & 8) != 0;
                s.rotateOnAutoEoi = (f & 16) != 0;
                s.specialFullyNested = (f & 32) != 0;
                s.init4 = (f & 64) != 0;
                s.singleMode = (f & 128) != 0;
            }
            changed = update();
        }
        notifyIfChanged(changed);
    }
}
