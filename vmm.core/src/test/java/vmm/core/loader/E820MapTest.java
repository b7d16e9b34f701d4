package vmm.core.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import vmm.core.loader.E820Entry.Type;
import vmm.core.memory.MemoryRegion;

class E820MapTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void legacyHoleSplitsLowRam() {
        E820Map map = E820Map.of(HeapGuestMemory.ofSize(512 * MIB), List.of(E820Map.LEGACY_HOLE));
        assertEquals(List.of(
                new E820Entry(0, 0xA_0000, Type.RAM),
                new E820Entry(0xA_0000, 0x6_0000, Type.RESERVED),
                new E820Entry(0x10_0000, 511 * MIB, Type.RAM)), map.entries());
    }

    @Test
    void pciHoleBetweenTwoRamRegionsIsReservedAndNotRam() {
        HeapGuestMemory memory = new HeapGuestMemory(List.of(
                new MemoryRegion(0, 3 * GIB), new MemoryRegion(4 * GIB, 2 * GIB)));
        MemoryRegion pciHole = new MemoryRegion(3 * GIB, GIB);
        E820Map map = E820Map.of(memory, List.of(pciHole, E820Map.LEGACY_HOLE));
        assertEquals(List.of(
                new E820Entry(0, 0xA_0000, Type.RAM),
                new E820Entry(0xA_0000, 0x6_0000, Type.RESERVED),
                new E820Entry(0x10_0000, 3 * GIB - MIB, Type.RAM),
                new E820Entry(3 * GIB, GIB, Type.RESERVED),
                new E820Entry(4 * GIB, 2 * GIB, Type.RAM)), map.entries());
        assertEquals(List.of(new MemoryRegion(0, 0xA_0000), new MemoryRegion(MIB, 3 * GIB - MIB),
                new MemoryRegion(4 * GIB, 2 * GIB)), map.usableRam());
    }

    @Test
    void adjacentRegionsJoinAndOverlappingReservationsMerge() {
        HeapGuestMemory memory = new HeapGuestMemory(List.of(
                new MemoryRegion(0, 64 * MIB), new MemoryRegion(64 * MIB, 64 * MIB)));
        E820Map map = E820Map.of(memory, List.of(
                new MemoryRegion(100 * MIB, 10 * MIB), new MemoryRegion(105 * MIB, 23 * MIB)));
        assertEquals(List.of(
                new E820Entry(0, 100 * MIB, Type.RAM),
                new E820Entry(100 * MIB, 28 * MIB, Type.RESERVED)), map.entries());
    }

    @Test
    void usableMeansInsideOneRamEntry() {
        E820Map map = E820Map.of(HeapGuestMemory.ofSize(512 * MIB), List.of(E820Map.LEGACY_HOLE));
        assertTrue(map.isUsable(0x7000, 0x1000));
        assertTrue(map.isUsable(MIB, 511 * MIB));
        assertFalse(map.isUsable(0x9_F000, 0x2000), "crosses into the legacy hole");
        assertFalse(map.isUsable(0xB_8000, 1), "VGA memory");
        assertFalse(map.isUsable(511 * MIB, 2 * MIB), "past the end of RAM");
    }
}
