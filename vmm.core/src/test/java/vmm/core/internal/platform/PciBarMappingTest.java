package vmm.core.internal.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.device.BusDevice;
import vmm.core.device.PciConfigSpace;
import vmm.core.device.PciDevice;

/** The bridge claims a function's BARs on the buses where and while the guest enables them. */
class PciBarMappingTest {
    private static final int ENABLE = 0x8000_0000;

    /** BAR registers that answer with the low byte of the offset read. */
    static final class Registers implements BusDevice {
        volatile long lastWriteOffset = -1;

        @Override
        public void read(long offset, byte[] data) {
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (offset + i);
            }
        }

        @Override
        public void write(long offset, byte[] data) {
            lastWriteOffset = offset;
        }
    }

    /** Memory BAR0 (4 KiB) and I/O BAR1 (16 ports), each with its registers. */
    record Function(PciConfigSpace configSpace, Registers mem, Registers io) implements PciDevice {
        static Function create() {
            PciConfigSpace cs = new PciConfigSpace(0x1af4, 0x1000, 0x020000, 0);
            cs.addMemoryBar(0, 4096, false, false);
            cs.addIoBar(1, 16);
            return new Function(cs, new Registers(), new Registers());
        }

        @Override
        public BusDevice bar(int index) {
            return switch (index) {
                case 0 -> mem;
                case 1 -> io;
                default -> null;
            };
        }
    }

    private Bus pio;
    private Bus mmio;
    private PciHostBridge bridge;
    private Function function;
    private PortIo ports;

    @BeforeEach
    void plugIn() {
        pio = Bus.pio();
        mmio = Bus.mmio();
        bridge = new PciHostBridge(() -> { }, pio, mmio);
        pio.insert(bridge, PciHostBridge.BASE_PORT, PciHostBridge.PORTS);
        function = Function.create();
        bridge.attach(4, 0, function);
        ports = new PortIo(pio);
    }

    private void configWrite(int register, int size, int value) {
        ports.outl(0xcf8, ENABLE | 4 << 11 | (register & 0xfc));
        int port = 0xcfc + (register & 3);
        switch (size) {
            case 1 -> ports.outb(port, value);
            case 2 -> ports.outw(port, value);
            default -> ports.outl(port, value);
        }
    }

    @Test
    void barsAreClaimedOnlyWhileDecodingIsEnabled() {
        // Sizing with decoding off, as Linux does, claims nothing.
        configWrite(0x10, 4, 0xffffffff);
        configWrite(0x14, 4, 0xffffffff);
        assertTrue(mmio.ranges().isEmpty());
        configWrite(0x10, 4, 0xfebf_1000);
        configWrite(0x14, 4, 0xc080);
        assertTrue(mmio.ranges().isEmpty(), "memory decoding still off");
        assertEquals(1, pio.ranges().size(), "only the bridge's own ports");

        configWrite(0x04, 2, PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_IO);
        assertSame(function.mem(), mmio.find(0xfebf_1000L).device());
        assertEquals("Function BAR0", mmio.find(0xfebf_1fffL).name());
        assertNull(mmio.find(0xfebf_2000L));
        byte[] data = new byte[4];
        assertTrue(mmio.read(0xfebf_1010L, data));
        assertEquals(0x10, data[0], "offsets are relative to the BAR");
        assertEquals(0x03, ports.inb(0xc083));
        ports.outb(0xc08f, 1);
        assertEquals(0xf, function.io().lastWriteOffset);

        configWrite(0x04, 2, PciConfigSpace.COMMAND_IO); // memory decoding off
        assertFalse(mmio.read(0xfebf_1010L, data));
        assertEquals(0x03, ports.inb(0xc083), "the I/O BAR stays");
    }

    @Test
    void movingABarMovesTheClaimAndUnplugReleasesIt() {
        configWrite(0x10, 4, 0xfebf_1000);
        configWrite(0x04, 2, PciConfigSpace.COMMAND_MEMORY);
        assertTrue(mmio.read(0xfebf_1000L, new byte[1]));
        configWrite(0x10, 4, 0xfe00_0000);
        assertFalse(mmio.read(0xfebf_1000L, new byte[1]), "old address released");
        assertTrue(mmio.read(0xfe00_0000L, new byte[1]));
        assertEquals(1, mmio.ranges().size());

        bridge.detach(4, 0);
        assertTrue(mmio.ranges().isEmpty());
    }

    @Test
    void aBarOverlappingAnotherClaimStaysUnmappedInsteadOfFailingTheGuest() {
        mmio.insert("lapic", new Registers(), 0xfee0_0000L, 0x1000);
        configWrite(0x10, 4, 0xfee0_0000);
        configWrite(0x04, 2, PciConfigSpace.COMMAND_MEMORY);
        assertEquals(1, mmio.ranges().size());
        assertEquals("lapic", mmio.find(0xfee0_0000L).name());
        configWrite(0x10, 4, 0xfd00_0000); // the guest fixes its mistake
        assertSame(function.mem(), mmio.find(0xfd00_0000L).device());
    }

    @Test
    void machineResetReleasesEveryBar() {
        configWrite(0x10, 4, 0xfebf_1000);
        configWrite(0x14, 4, 0xc080);
        configWrite(0x04, 2, PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_IO);
        assertEquals(1, mmio.ranges().size());
        assertEquals(2, pio.ranges().size());
        bridge.reset();
        assertTrue(mmio.ranges().isEmpty());
        assertEquals(1, pio.ranges().size());
    }
}
