package vmm.core.internal.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import vmm.core.loader.E820Entry;
import vmm.core.loader.E820Map;
import vmm.core.memory.MemoryRegion;

class GuestMemoryMapTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void ramThatFitsBelowTheHoleIsOneRegion() {
        GuestMemoryMap map = GuestMemoryMap.plan(2 * GIB);
        assertEquals(List.of(new MemoryRegion(0, 2 * GIB)), map.ram());
        assertEquals(2 * GIB, map.belowFourGiB());
        assertEquals(0, map.aboveFourGiB());
    }

    @Test
    void ramAboveThreeGibContinuesAtFourGib() {
        GuestMemoryMap map = GuestMemoryMap.plan(8 * GIB);
        assertEquals(List.of(new MemoryRegion(0, 3 * GIB), new MemoryRegion(4 * GIB, 5 * GIB)), map.ram());
        assertEquals(8 * GIB, map.size());
        assertEquals(3 * GIB, map.belowFourGiB());
        assertEquals(5 * GIB, map.aboveFourGiB());
        // Exactly 3 GiB still fits below.
        assertEquals(1, GuestMemoryMap.plan(3 * GIB).ram().size());
    }

    @Test
    void aCustomHoleMovesTheSplit() {
        GuestMemoryMap map = GuestMemoryMap.plan(4 * GIB, 0xe000_0000L, 4 * GIB);
        assertEquals(List.of(new MemoryRegion(0, 0xe000_0000L),
                new MemoryRegion(4 * GIB, 4 * GIB - 0xe000_0000L)), map.ram());
    }

    @Test
    void e820ReservesTheLegacyAreaAndLeavesTheHoleOut() {
        GuestMemoryMap map = GuestMemoryMap.plan(6 * GIB);
        List<E820Entry> e820 = E820Map.of(map.ram(), map.firmwareReserved()).entries();
        assertEquals(List.of(
                new E820Entry(0, 0x9fc00, E820Entry.Type.RAM),
                new E820Entry(0x9fc00, 0x100000 - 0x9fc00, E820Entry.Type.RESERVED),
                new E820Entry(MIB, 3 * GIB - MIB, E820Entry.Type.RAM),
                new E820Entry(4 * GIB, 3 * GIB, E820Entry.Type.RAM)), e820);
    }

    @Test
    void badSizesAreRefusedWithTheValue() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> GuestMemoryMap.plan(4097));
        assertTrue(odd.getMessage().contains("4097"), odd.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GuestMemoryMap.plan(0));
        assertThrows(IllegalArgumentException.class, () -> GuestMemoryMap.plan(-4096));
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class, () -> GuestMemoryMap.plan(1L << 52));
        assertTrue(huge.getMessage().contains("4 PiB"), huge.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GuestMemoryMap.plan(GIB, 4 * GIB, 3 * GIB));
    }

    @Test
    void sizesAreFormattedExactly() {
        assertEquals("512 MiB", ByteSizes.format(512 * MIB));
        assertEquals("3 GiB", ByteSizes.format(3 * GIB));
        assertEquals("1536 KiB", ByteSizes.format(1536 * 1024));
        assertEquals("4097 bytes", ByteSizes.format(4097));
        assertEquals("256 TiB", ByteSizes.format(1L << 48));
    }
}
