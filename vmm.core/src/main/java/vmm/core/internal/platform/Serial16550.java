package vmm.core.internal.platform;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;

/**
 * A 16550A UART, the PC's COM port (8 ports: claim 0x3f8 for COM1, IRQ 4). Transmission is
 * instant (every byte the guest writes goes straight to the sink), so the transmitter is
 * always empty; received bytes wait in a queue the console feeds with {@link #enqueueInput}.
 *
 * <p>It answers what Linux's 8250 driver probes: the scratch register keeps its value, IER
 * keeps its low four bits, loopback mode (MCR bit 4) routes output to input and reflects
 * MCR's outputs in MSR, and with FIFOs enabled IIR's top bits read 11 (a 16550A, not a 16450
 * or 16750). The interrupt line follows IIR: raised while any enabled condition is pending.
 */
public final class Serial16550 implements BusDevice, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Serial16550.class);
    public static final String TYPE = "serial-16550";
    private static final int STATE_VERSION = 1;

    /** How many received bytes wait at most; the console holds the rest back. */
    public static final int INPUT_CAPACITY = 4096;

    // Register offsets.
    static final int DATA = 0;
    static final int IER = 1;
    static final int IIR_FCR = 2;
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int IER_RX_DATA = 0x01;
    static final int IER_THR_EMPTY = 0x02;
    static final int IER_LINE_STATUS = 0x04;
    static final int IER_MODEM_STATUS = 0x08;

    static final int IIR_NONE = 0x01;
    static final int IIR_MODEM_STATUS = 0x00;
    static final int IIR_THR_EMPTY = 0x02;
    static final int IIR_RX_DATA = 0x04;
    static final int IIR_LINE_STATUS = 0x06;
    static final int IIR_FIFO_ENABLED = 0xc0;

    static final int FCR_ENABLE = 0x01;
    static final int FCR_CLEAR_RX = 0x02;

    static final int LCR_DLAB = 0x80;

    static final int MCR_DTR = 0x01;
    static final int MCR_RTS = 0x02;
    static final int MCR_OUT1 = 0x04;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;

    static final int LSR_DATA_READY = 0x01;
    static final int LSR_OVERRUN = 0x02;
    static final int LSR_THR_EMPTY = 0x20;
    static final int LSR_IDLE = 0x40;

    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;

    /** Without loopback a connected terminal: carrier, data set ready, clear to send. */
    private static final int MSR_CONNECTED = MSR_DCD | MSR_DSR | MSR_CTS;

    private final IrqLine irq;
    private final OutputStream sink;
    private final ArrayDeque<Byte> input = new ArrayDeque<>();
    private OutputStream logFile;
    private boolean sinkFailed;

    private int ier;
    private int lcr;
    private int mcr;
    private int lsrErrors;
    private int msr;
    private int scr;
    private int divisor;
    private boolean fifoEnabled;
    /** THR-empty interrupt pending: set when the transmitter empties, cleared by reading IIR or writing THR. */
    private boolean thrEmptyPending;
    private boolean irqLevel;

    /**
     * @param irq  the COM port's interrupt line
     * @param sink where transmitted bytes go (the console); flushed after every byte
     */
    public Serial16550(IrqLine irq, OutputStream sink) {
        this.irq = irq;
        this.sink = sink;
        resetRegisters();
    }

    /** Also appends every transmitted byte to {@code file} (created if missing). */
    public synchronized Serial16550 logTo(Path file) throws IOException {
        if (logFile != null) {
            logFile.close();
        }
        logFile = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return this;
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        int value = switch ((int) offset) {
            case DATA -> (lcr & LCR_DLAB) != 0 ? divisor & 0xff : receive();
            case IER -> (lcr & LCR_DLAB) != 0 ? divisor >>> 8 : ier;
            case IIR_FCR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> readLsr();
            case MSR -> readMsr();
            case SCR -> scr;
            default -> 0xff;
        };
        data[0] = (byte) value;
        for (int i = 1; i < data.length; i++) {
            data[i] = (byte) 0xff; // a UART is 8 bits wide: the other lanes float
        }
        updateIrq();
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        int value = data[0] & 0xff;
        switch ((int) offset) {
            case DATA -> {
                if ((lcr & LCR_DLAB) != 0) {
                    divisor = (divisor & 0xff00) | value;
                } else {
                    transmit((byte) value);
                }
            }
            case IER -> {
                if ((lcr & LCR_DLAB) != 0) {
                    divisor = (divisor & 0xff) | (value << 8);
                } else {
                    boolean thrInterruptEnabled = (value & IER_THR_EMPTY) != 0 && (ier & IER_THR_EMPTY) == 0;
                    ier = value & 0x0f;
                    // Enabling the THR-empty interrupt with an empty transmitter raises it at
                    // once: Linux's 8250 driver starts transmitting from that interrupt.
                    if (thrInterruptEnabled) {
                        thrEmptyPending = true;
                    }
                }
            }
            case IIR_FCR -> writeFcr(value);
            case LCR -> lcr = value;
            case MCR -> writeMcr(value & 0x1f);
            case SCR -> scr = value;
            default -> LOG.debug("serial: write 0x{} to read-only register {} ignored", Integer.toHexString(value), offset);
        }
        updateIrq();
    }

    /**
     * Queues bytes the guest will read (console input); raises the interrupt when the guest
     * enabled it.
     *
     * @return how many bytes fit (the rest must be offered again later)
     */
    public synchronized int enqueueInput(byte[] bytes) {
        int accepted = Math.min(bytes.length, INPUT_CAPACITY - input.size());
        for (int i = 0; i < accepted; i++) {
            input.add(bytes[i]);
        }
        updateIrq();
        return accepted;
    }

    /** Bytes queued for the guest and not read yet. */
    public synchronized int pendingInput() {
        return input.size();
    }

    /** The baud rate divisor the guest programmed (115200 / divisor baud). */
    public synchronized int divisor() {
        return divisor;
    }

    private int receive() {
        Byte b = input.poll();
        return b == null ? 0 : b & 0xff;
    }

    private void transmit(byte b) {
        thrEmptyPending = false;
        if ((mcr & MCR_LOOP) != 0) {
            if (input.size() < INPUT_CAPACITY) {
                input.add(b);
            } else {
                lsrErrors |= LSR_OVERRUN;
            }
        } else {
            emit(b);
        }
        // The byte left at once: the transmitter is empty again.
        thrEmptyPending = true;
    }

    private void emit(byte b) {
        try {
            sink.write(b);
            sink.flush();
            sinkFailed = false;
        } catch (IOException e) {
            // The guest cannot be told; report once per outage, keep the guest running.
            if (!sinkFailed) {
                LOG.warn("serial: console output failed, output is dropped until it works again", e);
                sinkFailed = true;
            }
        }
        if (logFile != null) {
            try {
                logFile.write(b);
            } catch (IOException e) {
                LOG.warn("serial: writing the log file failed, logging stops", e);
                closeLog();
            }
        }
    }

    private int readIir() {
        int id = pendingInterrupt();
        if (id == IIR_THR_EMPTY) {
            thrEmptyPending = false; // reading IIR acknowledges THR empty
        }
        return id | (fifoEnabled ? IIR_FIFO_ENABLED : 0);
    }

    /** The highest-priority enabled interrupt, IIR's encoding. */
    private int pendingInterrupt() {
        if ((ier & IER_LINE_STATUS) != 0 && lsrErrors != 0) {
            return IIR_LINE_STATUS;
        }
        if ((ier & IER_RX_DATA) != 0 && !input.isEmpty()) {
            return IIR_RX_DATA;
        }
        if ((ier & IER_THR_EMPTY) != 0 && thrEmptyPending) {
            return IIR_THR_EMPTY;
        }
        if ((ier & IER_MODEM_STATUS) != 0 && (msr & 0x0f) != 0) {
            return IIR_MODEM_STATUS;
        }
        return IIR_NONE;
    }

    private int readLsr() {
        int lsr = LSR_THR_EMPTY | LSR_IDLE | lsrErrors | (input.isEmpty() ? 0 : LSR_DATA_READY);
        lsrErrors = 0; // reading LSR clears the error bits
        return lsr;
    }

    private int readMsr() {
        int value = msr;
        msr &= 0xf0; // reading MSR clears the delta bits
        return value;
    }

    private void writeFcr(int value) {
        fifoEnabled = (value & FCR_ENABLE) != 0;
        if ((value & FCR_CLEAR_RX) != 0) {
            input.clear();
        }
    }

    private void writeMcr(int value) {
        mcr = value;
        int status = (mcr & MCR_LOOP) != 0 ? loopbackStatus(mcr) : MSR_CONNECTED;
        int changed = (status ^ msr) & 0xf0;
        int deltas = 0;
        if ((changed & MSR_CTS) != 0) {
            deltas |= 0x01;
        }
        if ((changed & MSR_DSR) != 0) {
            deltas |= 0x02;
        }
        if ((changed & MSR_RI) != 0 && (status & MSR_RI) == 0) {
            deltas |= 0x04; // trailing edge of ring indicator
        }
        if ((changed & MSR_DCD) != 0) {
            deltas |= 0x08;
        }
        msr = status | (msr & 0x0f) | deltas;
    }

    /** In loopback the modem outputs feed the modem inputs: RTS to CTS, DTR to DSR, OUT1 to RI, OUT2 to DCD. */
    private static int loopbackStatus(int mcr) {
        int status = 0;
        if ((mcr & MCR_RTS) != 0) {
            status |= MSR_CTS;
        }
        if ((mcr & MCR_DTR) != 0) {
            status |= MSR_DSR;
        }
        if ((mcr & MCR_OUT1) != 0) {
            status |= MSR_RI;
        }
        if ((mcr & MCR_OUT2) != 0) {
            status |= MSR_DCD;
        }
        return status;
    }

    private void updateIrq() {
        boolean level = pendingInterrupt() != IIR_NONE;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    private void resetRegisters() {
        ier = 0;
        lcr = 0x03; // 8N1
        mcr = MCR_OUT2;
        lsrErrors = 0;
        msr = MSR_CONNECTED;
        scr = 0;
        divisor = 12; // 9600 baud
        fifoEnabled = false;
        thrEmptyPending = false;
        input.clear();
    }

    @Override
    public synchronized void reset() {
        resetRegisters();
        updateIrq();
    }

    @Override
    public synchronized DeviceState saveState() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(ier);
            out.writeByte(lcr);
            out.writeByte(mcr);
            out.writeByte(lsrErrors);
            out.writeByte(msr);
            out.writeByte(scr);
            out.writeShort(divisor);
            out.writeBoolean(fifoEnabled);
            out.writeBoolean(thrEmptyPending);
            out.writeInt(input.size());
            for (byte b : input) {
                out.writeByte(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return new DeviceState(TYPE, STATE_VERSION, bytes.toByteArray());
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            ier = in.readUnsignedByte();
            lcr = in.readUnsignedByte();
            mcr = in.readUnsignedByte();
            lsrErrors = in.readUnsignedByte();
            msr = in.readUnsignedByte();
            scr = in.readUnsignedByte();
            divisor = in.readUnsignedShort();
            fifoEnabled = in.readBoolean();
            thrEmptyPending = in.readBoolean();
            int queued = in.readInt();
            if (queued < 0 || queued > INPUT_CAPACITY) {
                throw new IllegalArgumentException(TYPE + " state: " + queued + " queued input bytes");
            }
            input.clear();
            for (int i = 0; i < queued; i++) {
                input.add(in.readByte());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(TYPE + " state truncated (" + data.length + " bytes)", e);
        }
        // Drive the line to the restored level whatever this instance had before.
        irqLevel = pendingInterrupt() != IIR_NONE;
        irq.set(irqLevel);
    }

    @Override
    public String name() {
        return "serial";
    }

    private void closeLog() {
        try {
            logFile.close();
        } catch (IOException e) {
            LOG.warn("serial: closing the log file failed", e);
        }
        logFile = null;
    }

    /** Closes the log file; the sink belongs to the caller. */
    @Override
    public synchronized void close() {
        if (logFile != null) {
            closeLog();
        }
    }
}
