package vmm.core.internal.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import vmm.core.bus.Bus;
import vmm.core.device.DeviceState;

class FwCfgAndTestDevTest {

    private static long readItem(PortIo io, int key, int bytes) {
        io.outw(0x510, key);
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v |= (long) io.inb(0x511) << (8 * i);
        }
        return v;
    }

    @Test
    void fwCfgAnswersWhatKvmUnitTestsRead() {
        Bus bus = Bus.pio();
        FwCfg fw = new FwCfg(256L << 20, 4);
        bus.insert(fw, FwCfg.BASE_PORT, FwCfg.PORTS);
        PortIo io = new PortIo(bus);
        byte[] sig = new byte[4];
        io.outw(0x510, 0);
        for (int i = 0; i < 4; i++) {
            sig[i] = (byte) io.inb(0x511);
        }
        assertEquals("QEMU", new String(sig, StandardCharsets.US_ASCII));
        assertEquals(1, readItem(io, FwCfg.ID, 4));
        assertEquals(256L << 20, readItem(io, FwCfg.RAM_SIZE, 8));
        assertEquals(4, readItem(io, FwCfg.NB_CPUS, 2));
        assertEquals(0, readItem(io, 0x11, 8));
        assertEquals(0, readItem(io, 0x8001, 4), "unknown keys read 0");
        assertEquals(0, readItem(io, FwCfg.FILE_DIR, 4), "no files");
        fw.addFile("etc/test", new byte[] {1, 2, 3});
        io.outw(0x510, FwCfg.FILE_DIR);
        int count = io.inb(0x511) << 24 | io.inb(0x511) << 16 | io.inb(0x511) << 8 | io.inb(0x511);
        assertEquals(1, count);
        int size = io.inb(0x511) << 24 | io.inb(0x511) << 16 | io.inb(0x511) << 8 | io.inb(0x511);
        int select = io.inb(0x511) << 8 | io.inb(0x511);
        assertEquals(3, size);
        assertEquals(FwCfg.FILE_FIRST, select);
        assertEquals(0x030201, readItem(io, select, 3));
        assertThrows(IllegalArgumentException.class, () -> fw.addFile("", new byte[0]));
        DeviceState s = fw.saveState();
        fw.restoreState(DeviceState.fromBytes(s.toBytes()));
    }

    @Test
    void testDevScratchIrqLinesFlushAndIomem() {
        Bus pio = Bus.pio();
        Bus mmio = Bus.mmio();
        List<String> events = new ArrayList<>();
        PcTestDev dev = new PcTestDev(n -> level -> events.add("irq" + n + "=" + level),
                (gpa, len) -> events.add("flush " + Long.toHexString(gpa) + "+" + len));
        pio.insert(dev.scratch(), PcTestDev.SCRATCH_PORT, 4);
        pio.insert(dev.flush(), PcTestDev.FLUSH_PORT, 4);
        pio.insert(dev.irqPorts(), PcTestDev.IRQ_PORT, PcTestDev.IRQ_LINES);
        mmio.insert(dev.iomem(), PcTestDev.IOMEM_BASE, PcTestDev.IOMEM_SIZE);
        PortIo io = new PortIo(pio);
        io.outl(0xe0, 0x12345678);
        assertEquals(0x12345678, io.inl(0xe0));
        io.outb(0xe2, 0xab);
        assertEquals(0x12ab5678, io.inl(0xe0));
        assertEquals(0x12ab, io.inw(0xe2));
        io.outl(0xe4, 0x12345);
        io.outb(0x2000 + 14, 1);
        io.outb(0x2000 + 14, 0);
        assertEquals(List.of("flush 12000+4096", "irq14=true", "irq14=false"), events);
        mmio.write(PcTestDev.IOMEM_BASE + 0x100, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        byte[] back = new byte[8];
        mmio.read(PcTestDev.IOMEM_BASE + 0x100, back);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, back);
        DeviceState saved = dev.scratch().saveState();
        dev.scratch().reset();
        assertEquals(0, io.inl(0xe0));
        dev.scratch().restoreState(DeviceState.fromBytes(saved.toBytes()));
        assertEquals(0x12ab5678, io.inl(0xe0));
        mmio.read(PcTestDev.IOMEM_BASE + 0x100, back);
        assertTrue(back[7] == 8);
    }
}
