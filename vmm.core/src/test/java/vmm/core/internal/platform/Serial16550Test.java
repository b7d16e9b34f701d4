package vmm.core.internal.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.bus.Bus;
import vmm.core.device.DeviceState;

/** COM1 at 0x3f8 driven through the port bus, register by register as Linux's 8250 driver does. */
class Serial16550Test {
    private static final int COM1 = 0x3f8;
    private static final int THR = COM1;
    private static final int IER = COM1 + 1;
    private static final int IIR = COM1 + 2;
    private static final int FCR = COM1 + 2;
    private static final int LCR = COM1 + 3;
    private static final int MCR = COM1 + 4;
    private static final int LSR = COM1 + 5;
    private static final int MSR = COM1 + 6;
    private static final int SCR = COM1 + 7;

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final RecordingIrq irq = new RecordingIrq();
    private Serial16550 uart;
    private PortIo io;

    @BeforeEach
    void plugIn() {
        Bus bus = Bus.pio();
        uart = new Serial16550(irq, console);
        bus.insert("com1", uart, COM1, 8);
        io = new PortIo(bus);
    }

    @AfterEach
    void unplug() {
        uart.close();
    }

    @Test
    void transmitsWhatTheGuestWrites(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("serial.log");
        uart.logTo(log);
        for (byte b : "Linux version 6.1\n".getBytes(StandardCharsets.US_ASCII)) {
            assertTrue((io.inb(LSR) & 0x20) != 0, "THR empty before each byte");
            io.outb(THR, b);
        }
        assertEquals("Linux version 6.1\n", console.toString(StandardCharsets.US_ASCII));
        assertEquals("Linux version 6.1\n", Files.readString(log));
        assertEquals(0x60, io.inb(LSR) & 0x61); // THRE and TEMT, no data
    }

    @Test
    void scratchRegisterAndIerKeepWhatLinuxProbes() {
        io.outb(SCR, 0x5a);
        assertEquals(0x5a, io.inb(SCR));
        io.outb(SCR, 0xa5);
        assertEquals(0xa5, io.inb(SCR));
        io.outb(IER, 0);
        assertEquals(0, io.inb(IER) & 0x0f);
        io.outb(IER, 0xff);
        assertEquals(0x0f, io.inb(IER)); // only four interrupt enable bits exist
    }

    @Test
    void loopbackRoutesOutputToInputAndModemLinesToModemStatus() {
        io.outb(MCR, 0x10 | 0x0a); // LOOP | RTS | OUT2: Linux's autoconfig loopback test
        assertEquals(0x90, io.inb(MSR) & 0xf0); // CTS and DCD follow RTS and OUT2
        io.outb(THR, 'x');
        assertEquals(0, console.size(), "loopback must not reach the console");
        assertEquals(1, io.inb(LSR) & 1);
        assertEquals('x', io.inb(THR));
        assertEquals(0, io.inb(LSR) & 1);
        io.outb(MCR, 0x10 | 0x05); // LOOP | DTR | OUT1
        assertEquals(0x60, io.inb(MSR) & 0xf0); // DSR and RI
        io.outb(MCR, 0x0b);
        assertEquals(0xb0, io.inb(MSR) & 0xf0); // a connected terminal again
    }

    @Test
    void divisorLatchSharesTheFirstTwoRegisters() {
        io.outb(LCR, 0x80); // DLAB
        io.outb(COM1, 0x01);
        io.outb(COM1 + 1, 0x00);
        assertEquals(0x01, io.inb(COM1));
        assertEquals(0x00, io.inb(COM1 + 1));
        assertEquals(1, uart.divisor()); // 115200 baud
        assertEquals(0, console.size(), "a divisor write is not output");
        io.outb(LCR, 0x03); // 8N1, DLAB off
        io.outb(IER, 0x00);
        io.outb(THR, 'A');
        assertEquals("A", console.toString(StandardCharsets.US_ASCII));
        assertEquals(0x03, io.inb(LCR));
        assertEquals(1, uart.divisor());
    }

    @Test
    void fifoDetectionSeesA16550A() {
        io.outb(FCR, 0x01);
        assertEquals(3, io.inb(IIR) >> 6);
        io.outb(LCR, 0xbf); // Linux looks for an EFR here; a 16550A answers with IIR, non-zero
        assertTrue(io.inb(IIR) != 0);
        io.outb(LCR, 0x03);
        io.outb(FCR, 0x00);
        assertEquals(0, io.inb(IIR) >> 6);
        assertEquals(0x01, io.inb(IIR)); // no interrupt pending
    }

    @Test
    void iirReportsThrEmptyUntilRead() {
        assertFalse(irq.level);
        io.outb(IER, 0x02);
        assertTrue(irq.level, "enabling THRE with an empty transmitter interrupts");
        assertEquals(0x02, io.inb(IIR));
        assertFalse(irq.level, "reading IIR acknowledges THRE");
        assertEquals(0x01, io.inb(IIR));
        io.outb(THR, 'z');
        assertTrue(irq.level, "the transmitter empties again after each byte");
        assertEquals(0x02, io.inb(IIR));
        assertEquals(2, irq.raised);
    }

    @Test
    void thrEmptyIsReassertedAsLinuxStartupChecks() {
        // serial8250_do_startup: enable THRI, read IIR, disable, enable again, read IIR. A UART
        // that does not raise THRE the second time gets UART_BUG_THRE and a polling timer.
        io.outb(IER, 0x02);
        int iir1 = io.inb(IIR);
        io.outb(IER, 0x00);
        io.outb(IER, 0x02);
        int iir2 = io.inb(IIR);
        io.outb(IER, 0x00);
        assertEquals(0x02, iir1 & 0x0f);
        assertEquals(0x02, iir2 & 0x0f);
        assertFalse(irq.level);
        assertTrue(io.inb(LSR) != 0xff, "startup bails out on an LSR of 0xff");
    }

    @Test
    void modemStatusChangesInterruptWhenEnabledAndClearOnRead() {
        io.outb(IER, 0x08);
        assertFalse(irq.level);
        io.outb(MCR, 0x10); // loopback with every output low: CTS, DSR and DCD drop
        assertTrue(irq.level);
        assertEquals(0x00, io.inb(IIR), "modem status interrupt");
        assertEquals(0x0b, io.inb(MSR) & 0x0f, "delta CTS, DSR and DCD");
        assertFalse(irq.level, "reading MSR clears the deltas");
        assertEquals(0, io.inb(MSR) & 0x0f);
    }

    @Test
    void inputRaisesTheIrqOnlyWhenEnabled() {
        assertEquals(1, uart.enqueueInput(new byte[] {'k'}));
        assertFalse(irq.level, "receive interrupt not enabled yet");
        assertEquals(1, io.inb(LSR) & 1);
        io.outb(IER, 0x01);
        assertTrue(irq.level);
        assertEquals(0x04, io.inb(IIR));
        assertEquals('k', io.inb(THR));
        assertFalse(irq.level, "reading the byte clears the condition");
        assertEquals(0x01, io.inb(IIR));
        uart.enqueueInput("ab".getBytes(StandardCharsets.US_ASCII));
        assertTrue(irq.level);
        assertEquals(2, irq.raised);
        io.outb(IER, 0x00);
        assertFalse(irq.level, "disabling the interrupt lowers the line");
        assertEquals('a', io.inb(THR));
        assertEquals('b', io.inb(THR));
    }

    @Test
    void inputIsBoundedAndFifoResetDropsIt() {
        assertEquals(Serial16550.INPUT_CAPACITY, uart.enqueueInput(new byte[Serial16550.INPUT_CAPACITY + 10]));
        assertEquals(0, uart.enqueueInput(new byte[] {1}));
        io.outb(FCR, 0x03); // enable and clear the receive FIFO
        assertEquals(0, uart.pendingInput());
        assertEquals(0, io.inb(LSR) & 1);
    }

    @Test
    void stateSurvivesSaveAndRestore() {
        io.outb(LCR, 0x80);
        io.outb(COM1, 0x03);
        io.outb(LCR, 0x03);
        io.outb(SCR, 0x77);
        io.outb(IER, 0x01);
        uart.enqueueInput("hi".getBytes(StandardCharsets.US_ASCII));
        DeviceState saved = DeviceState.fromBytes(uart.saveState().toBytes());

        RecordingIrq otherIrq = new RecordingIrq();
        Serial16550 other = new Serial16550(otherIrq, console);
        other.restoreState(saved);
        assertTrue(otherIrq.level, "pending input with the interrupt enabled raises the line after restore");
        Bus bus = Bus.pio();
        bus.insert(other, COM1, 8);
        PortIo otherIo = new PortIo(bus);
        assertEquals(3, other.divisor());
        assertEquals(0x77, otherIo.inb(SCR));
        assertEquals('h', otherIo.inb(THR));
        assertEquals('i', otherIo.inb(THR));

        other.reset();
        assertEquals(0, otherIo.inb(SCR));
        assertEquals(0, other.pendingInput());
        assertFalse(otherIrq.level);
    }
}
