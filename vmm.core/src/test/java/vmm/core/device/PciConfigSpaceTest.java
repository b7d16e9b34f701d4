package vmm.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PciConfigSpaceTest {

    @Test
    void identificationIsReadOnly() {
        PciConfigSpace cs = new PciConfigSpace(0x1af4, 0x1042, 0x010000, 1);
        assertEquals(0x10421af4, cs.read(0, 4));
        assertEquals(0x01000001, cs.read(8, 4));
        cs.write(0, 4, 0);
        cs.write(8, 4, 0xffffffff);
        assertEquals(0x10421af4, cs.read(0, 4));
        assertEquals(0x01000001, cs.read(8, 4));
        assertEquals(0x1a, cs.read(1, 1));
        assertEquals(0x1042, cs.read(2, 2));
    }

    @Test
    void commandAndInterruptLineAreWritable() {
        PciConfigSpace cs = new PciConfigSpace(0x8086, 0x7010, 0x010180, 0);
        cs.write(PciConfigSpace.COMMAND, 2, 0xffff);
        assertEquals(0x0407, cs.command());
        cs.write(PciConfigSpace.INTERRUPT_LINE, 1, 11);
        assertEquals(11, cs.read(PciConfigSpace.INTERRUPT_LINE, 1));
        cs.reset();
        assertEquals(0, cs.command());
    }

    @Test
    void memoryBarReportsItsSizeWhenAllOnesAreWritten() {
        PciConfigSpace cs = new PciConfigSpace(0x1234, 0x1111, 0x030000, 2);
        cs.addMemoryBar(0, 16 << 20, true, false);
        cs.write(0x10, 4, 0xffffffff);
        int probed = cs.read(0x10, 4);
        assertEquals(0xff000008, probed); // size mask | prefetchable, 32-bit
        assertEquals(16 << 20, ~(probed & ~0xf) + 1);
        cs.write(0x10, 4, 0xfd00_0000);
        assertEquals(0xfd00_0000L, cs.barAddress(0));
        cs.write(0x10, 4, 0xfd12_3456); // low bits of an aligned BAR cannot be set
        assertEquals(0xfd00_0000L, cs.barAddress(0));
    }

    @Test
    void sixtyFourBitBarSpansTwoRegisters() {
        PciConfigSpace cs = new PciConfigSpace(0x1af4, 0x1041, 0x020000, 1);
        cs.addMemoryBar(2, 1L << 33, true, true); // 8 GiB
        cs.write(0x18, 4, 0xffffffff);
        cs.write(0x1c, 4, 0xffffffff);
        long size = ~(((long) cs.read(0x1c, 4) << 32) | (cs.read(0x18, 4) & 0xffff_fff0L)) + 1;
        assertEquals(1L << 33, size);
        assertEquals(0xc, cs.read(0x18, 4) & 0xf);
        cs.write(0x18, 4, 0);
        cs.write(0x1c, 4, 0x8);
        assertEquals(0x8_0000_0000L, cs.barAddress(2));
        assertThrows(IllegalArgumentException.class, () -> cs.barAddress(3));
        assertThrows(IllegalArgumentException.class, () -> cs.addMemoryBar(3, 4096, false, false));
    }

    @Test
    void ioBarAndBadDeclarations() {
        PciConfigSpace cs = new PciConfigSpace(0x8086, 0x7010, 0x010180, 0);
        cs.addIoBar(4, 16);
        cs.write(0x20, 4, 0xffffffff);
        assertEquals(0xfff1, cs.read(0x20, 4));
        cs.write(0x20, 4, 0xc040);
        assertEquals(0xc040, cs.barAddress(4));
        assertThrows(IllegalArgumentException.class, () -> cs.addIoBar(0, 24));
        assertThrows(IllegalArgumentException.class, () -> cs.addMemoryBar(5, 4096, false, true));
        assertThrows(IllegalArgumentException.class, () -> cs.addIoBar(4, 16));
        assertThrows(IllegalArgumentException.class, () -> cs.read(0x100, 1));
        assertThrows(IllegalArgumentException.class, () -> cs.read(0, 3));
    }

    @Test
    void capabilitiesAreChainedFromThePointer() {
        PciConfigSpace cs = new PciConfigSpace(0x1af4, 0x1041, 0x020000, 1);
        int first = cs.addCapability(0x09, new byte[] {0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, null);
        byte[] mask = new byte[12];
        mask[3] = (byte) 0xc0;
        int second = cs.addCapability(0x11, new byte[12], mask);
        assertEquals(0x10, cs.read(PciConfigSpace.STATUS, 2) & 0x10);
        assertEquals(first, cs.read(PciConfigSpace.CAPABILITIES_POINTER, 1));
        assertEquals(0x09 | second << 8, cs.read(first, 2));
        assertEquals(0x11, cs.read(second, 2));
        cs.write(second, 4, 0xffffffff);
        assertEquals(0xc0000011, cs.read(second, 4)); // only the masked bits moved
    }
}
