package vmm.core.internal.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.device.PciConfigSpace;
import vmm.core.device.PciDevice;

/** Configuration mechanism #1 through ports 0xCF8/0xCFC, as a guest's PCI scan uses it. */
class PciHostBridgeTest {
    private static final int ENABLE = 0x8000_0000;

    /** A function with a 4 KiB memory BAR, a 32-port I/O BAR and a 64-bit 1 MiB BAR. */
    record TestFunction(PciConfigSpace configSpace) implements PciDevice {
        static TestFunction create() {
            PciConfigSpace cs = new PciConfigSpace(0x1234, 0x5678, 0xff0000, 1);
            cs.addMemoryBar(0, 4096, false, false);
            cs.addIoBar(1, 32);
            cs.addMemoryBar(2, 1 << 20, true, true);
            cs.setInterruptPin(1);
            return new TestFunction(cs);
        }
    }

    private final AtomicInteger resets = new AtomicInteger();
    private PciHostBridge bridge;
    private TestFunction function;
    private PortIo io;

    @BeforeEach
    void plugIn() {
        Bus bus = Bus.pio();
        bridge = new PciHostBridge(resets::incrementAndGet);
        bus.insert(bridge, PciHostBridge.BASE_PORT, PciHostBridge.PORTS);
        function = TestFunction.create();
        bridge.attach(3, 0, function);
        io = new PortIo(bus);
    }

    private static int address(int bus, int device, int function, int register) {
        return ENABLE | bus << 16 | device << 11 | function << 8 | register;
    }

    private int configRead(int device, int function, int register) {
        io.outl(0xcf8, address(0, device, function, register));
        return io.inl(0xcfc);
    }

    private void configWrite(int device, int function, int register, int value) {
        io.outl(0xcf8, address(0, device, function, register));
        io.outl(0xcfc, value);
    }

    @Test
    void linuxsTypeOneProbeSucceeds() {
        io.outb(0xcfb, 0x01);
        io.outl(0xcf8, ENABLE);
        assertEquals(ENABLE, io.inl(0xcf8));
    }

    @Test
    void scanningBusZeroFindsTheHostBridgeAndTheTestDevice() {
        Map<Integer, Integer> found = new TreeMap<>();
        for (int device = 0; device < 32; device++) {
            for (int fn = 0; fn < 8; fn++) {
                int ids = configRead(device, fn, 0);
                if (ids != 0xffffffff) {
                    found.put(device << 3 | fn, ids);
                }
            }
        }
        assertEquals(Map.of(0, 0x1237_8086, 3 << 3, 0x5678_1234), found);
        assertEquals(0x0600_0002, configRead(0, 0, 0x08), "host bridge class, i440FX revision 2");
        assertEquals(0xff00_0001, configRead(3, 0, 0x08));
        assertEquals(0x0100, configRead(3, 0, 0x3c) & 0xff00, "INTA#");
    }

    @Test
    void barSizesAreProbedThroughTheDataPort() {
        configWrite(3, 0, 0x10, 0xffffffff);
        int bar0 = configRead(3, 0, 0x10);
        assertEquals(4096, ~(bar0 & ~0xf) + 1);
        assertEquals(0, bar0 & 0x1, "memory BAR");

        configWrite(3, 0, 0x14, 0xffffffff);
        int bar1 = configRead(3, 0, 0x14);
        assertEquals(1, bar1 & 0x1, "I/O BAR");
        assertEquals(32, (~(bar1 & ~0x3) & 0xffff) + 1);

        configWrite(3, 0, 0x18, 0xffffffff);
        configWrite(3, 0, 0x1c, 0xffffffff);
        long bar2 = (configRead(3, 0, 0x18) & 0xffff_ffffL) | (long) configRead(3, 0, 0x1c) << 32;
        assertEquals(0xc, bar2 & 0xf, "64-bit prefetchable");
        assertEquals(1 << 20, ~(bar2 & ~0xfL) + 1);

        configWrite(3, 0, 0x10, 0xfebf_0000);
        configWrite(3, 0, 0x14, 0xc000);
        configWrite(3, 0, 0x18, 0xe000_0000);
        configWrite(3, 0, 0x1c, 0);
        assertEquals(0xfebf_0000L, function.configSpace().barAddress(0));
        assertEquals(0xc000, function.configSpace().barAddress(1));
        assertEquals(0xe000_0000L, function.configSpace().barAddress(2));
    }

    @Test
    void byteAndWordAccessesReachEveryOffsetOfTheDataWindow() {
        io.outl(0xcf8, address(0, 0, 0, 0));
        assertEquals(0x86, io.inb(0xcfc));
        assertEquals(0x80, io.inb(0xcfd));
        assertEquals(0x37, io.inb(0xcfe));
        assertEquals(0x12, io.inb(0xcff));
        assertEquals(0x8086, io.inw(0xcfc));
        assertEquals(0x1237, io.inw(0xcfe));
        io.outl(0xcf8, address(0, 3, 0, 0x04));
        io.outw(0xcfc, 0x0007); // command: I/O, memory, bus master
        assertEquals(0x0007, function.configSpace().command());
        io.outb(0xcfd, 0x04); // INTx disable, through the command register's high byte
        assertEquals(0x0407, io.inw(0xcfc));
        io.outl(0xcf8, address(0, 3, 0, 0x3c));
        io.outb(0xcfc, 11);
        assertEquals(11, configRead(3, 0, 0x3c) & 0xff);
        configWrite(3, 0, 0x00, 0);
        assertEquals(0x5678_1234, configRead(3, 0, 0x00), "IDs are read-only");
    }

    @Test
    void disabledAddressesOtherBusesAndEmptySlotsReadAllOnes() {
        io.outl(0xcf8, 3 << 11); // enable bit clear
        assertEquals(0xffffffff, io.inl(0xcfc));
        assertEquals(0xffffffff, configRead(5, 0, 0));
        assertEquals(0xffffffff, configRead(3, 1, 0));
        io.outl(0xcf8, address(1, 3, 0, 0));
        assertEquals(0xffffffff, io.inl(0xcfc));
        assertEquals(0xffff, io.inw(0xcfe));
        io.outl(0xcf8, address(1, 3, 0, 0x3c));
        io.outb(0xcfc, 5); // dropped: nothing on bus 1
        assertEquals(0, function.configSpace().read(0x3c, 1));
    }

    @Test
    void hotPlugAndUnplug() {
        PciDevice second = TestFunction.create();
        assertEquals(1, bridge.attach(second));
        assertEquals(0x5678_1234, configRead(1, 0, 0));
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
                () -> bridge.attach(3, 0, TestFunction.create()));
        assertTrue(taken.getMessage().contains("00:03.0"), taken.getMessage());
        assertSame(second, bridge.detach(1, 0));
        assertEquals(0xffffffff, configRead(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> bridge.detach(0, 0));
    }

    @Test
    void resetControlRegisterResetsTheMachine() {
        io.outb(0xcf9, 0x02);
        assertEquals(0, resets.get());
        assertEquals(0x02, io.inb(0xcf9));
        io.outb(0xcf9, 0x06);
        assertEquals(1, resets.get());
    }

    @Test
    void machineResetPutsConfigurationBackToPowerOn() {
        configWrite(3, 0, 0x10, 0xfebf_0000);
        configWrite(3, 0, 0x04, 0x7);
        bridge.reset();
        assertEquals(0, function.configSpace().barAddress(0));
        assertEquals(0, function.configSpace().command());
        assertEquals(0, io.inl(0xcf8));
    }
}
