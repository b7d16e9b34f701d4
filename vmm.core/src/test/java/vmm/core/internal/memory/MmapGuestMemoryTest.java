package vmm.core.internal.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import vmm.core.memory.GuestMemoryException;
import vmm.core.memory.MemoryRegion;

class MmapGuestMemoryTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long FOUR_GIB = 4 * GIB;

    /** A small guest with a big hole: RAM 0-1 MiB, hole from 1 MiB to 4 GiB, RAM 4 GiB to 4 GiB + 1 MiB. */
    private static MmapGuestMemory split() {
        return MmapGuestMemory.allocate(GuestMemoryMap.plan(2 * MIB, MIB, FOUR_GIB), MemoryOptions.DEFAULT,
                NumaTopology.parse("0"));
    }

    @Test
    void readsBackWhatWasWrittenLittleEndian() {
        try (MmapGuestMemory ram = MmapGuestMemory.allocate(MIB)) {
            assertEquals(List.of(new MemoryRegion(0, MIB)), ram.regions());
            assertEquals(MIB, ram.size());
            ram.writeLong(0x1000, 0x0102030405060708L);
            assertEquals(0x08, ram.readByte(0x1000));
            assertEquals(0x0708, ram.readShort(0x1000));
            assertEquals(0x05060708, ram.readInt(0x1000));
            assertEquals(0x0102030405060708L, ram.readLong(0x1000));
            ram.writeInt(0x2001, 0xdeadbeef); // unaligned is fine
            assertEquals(0xdeadbeef, ram.readInt(0x2001));
            ram.writeShort(MIB - 2, (short) 0x1234);
            ram.writeByte(0, (byte) 7);
            assertEquals(0x1234, ram.readShort(MIB - 2));
            assertEquals(7, ram.readByte(0));
            assertEquals(0, ram.readLong(0x8000)); // untouched memory is zero
        }
    }

    @Test
    void everyAccessOutsideRamThrowsNamingAddressAndLength() {
        try (MmapGuestMemory ram = MmapGuestMemory.allocate(MIB)) {
            GuestMemoryException end = assertThrows(GuestMemoryException.class, () -> ram.readInt(MIB - 2));
            assertEquals("guest address 0xffffe length 4 is outside RAM (0x0-0xfffff)", end.getMessage());
            assertThrows(GuestMemoryException.class, () -> ram.readByte(MIB));
            assertThrows(GuestMemoryException.class, () -> ram.writeLong(MIB - 7, 1));
            GuestMemoryException negative = assertThrows(GuestMemoryException.class, () -> ram.readByte(-1));
            assertTrue(negative.getMessage().contains("0xffffffffffffffff length 1"), negative.getMessage());
            assertThrows(GuestMemoryException.class, () -> ram.slice(Long.MAX_VALUE, 2)); // overflows
            assertThrows(GuestMemoryException.class, () -> ram.slice(0, -1));
            assertThrows(GuestMemoryException.class, () -> ram.slice(0, MIB + 1));
            assertThrows(GuestMemoryException.class, () -> ram.read(MIB - 10, ByteBuffer.allocate(11)));
            ByteBuffer src = ByteBuffer.wrap(new byte[16]);
            assertThrows(GuestMemoryException.class, () -> ram.write(Long.MAX_VALUE - 4, src));
            assertEquals(0, src.position()); // nothing consumed on failure
            ram.read(MIB - 10, ByteBuffer.allocate(10)); // up to the last byte is fine
        }
    }

    @Test
    void theHoleIsNotRamAndAccessesCrossingIntoItFail() {
        try (MmapGuestMemory ram = split()) {
            assertEquals(List.of(new MemoryRegion(0, MIB), new MemoryRegion(FOUR_GIB, MIB)), ram.regions());
            ram.writeInt(FOUR_GIB, 0x11223344);
            ram.writeInt(MIB - 4, 0x55667788);
            assertEquals(0x11223344, ram.readInt(FOUR_GIB));
            assertEquals(0x55667788, ram.readInt(MIB - 4));
            assertThrows(GuestMemoryException.class, () -> ram.readByte(MIB));
            assertThrows(GuestMemoryException.class, () -> ram.readByte(0xc000_0000L));
            assertThrows(GuestMemoryException.class, () -> ram.readByte(FOUR_GIB - 1));
            assertThrows(GuestMemoryException.class, () -> ram.readByte(FOUR_GIB + MIB));
            // A write starting in RAM and running into the hole changes nothing at all.
            byte[] pattern = new byte[8];
            java.util.Arrays.fill(pattern, (byte) 0x5a);
            GuestMemoryException e = assertThrows(GuestMemoryException.class,
                    () -> ram.write(MIB - 4, ByteBuffer.wrap(pattern)));
            assertEquals("guest address 0xffffc length 8 is outside RAM (0x0-0xfffff, 0x100000000-0x1000fffff)",
                    e.getMessage());
            assertEquals(0x55667788, ram.readInt(MIB - 4));
            assertThrows(GuestMemoryException.class, () -> ram.read(FOUR_GIB - 4, ByteBuffer.allocate(8)));
            assertThrows(GuestMemoryException.class, () -> ram.slice(MIB - 4, 8));
        }
    }

    @Test
    void bufferCopiesAdvanceTheBufferAndWorkInBothRegions() {
        try (MmapGuestMemory ram = split()) {
            byte[] data = new byte[5000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7);
            }
            ByteBuffer src = ByteBuffer.wrap(data);
            ram.write(FOUR_GIB + 100, src);
            assertEquals(data.length, src.position());
            ByteBuffer direct = ByteBuffer.allocateDirect(5000);
            ram.read(FOUR_GIB + 100, direct);
            assertEquals(5000, direct.position());
            byte[] back = new byte[5000];
            direct.flip().get(back);
            assertArrayEquals(data, back);
            // slice gives a zero-copy view of the same bytes, for virtqueues.
            MemorySegment view = ram.slice(FOUR_GIB + 100, 5000);
            assertEquals(data[4999], view.get(ValueLayout.JAVA_BYTE, 4999));
            assertEquals(view.address(), ram.hostAddress(FOUR_GIB + 100));
        }
    }

    @Test
    void aSizeThatCannotBeMappedGivesTheCallAndErrno() {
        // 256 TiB is more than x86-64's 128 TiB user address space: mmap must refuse even lazily.
        HostCallException e = assertThrows(HostCallException.class, () -> MmapGuestMemory.allocate(1L << 48));
        assertEquals("mmap 256 TiB: ENOMEM (Cannot allocate memory)", e.getMessage());
        assertEquals("ENOMEM", e.errnoName());
        assertEquals(12, e.errno());
    }

    @Test
    void hugeGuestsAreMappedLazily() {
        // 64 GiB of guest RAM costs nothing until touched (MAP_NORESERVE).
        try (MmapGuestMemory ram = MmapGuestMemory.allocate(GuestMemoryMap.plan(64 * GIB), MemoryOptions.DEFAULT,
                NumaTopology.parse("0"))) {
            assertEquals(64 * GIB, ram.size());
            ram.writeLong(FOUR_GIB + 61 * GIB - 8, -1L); // the last 8 bytes
            assertEquals(-1L, ram.readLong(FOUR_GIB + 61 * GIB - 8));
        }
    }

    @Test
    void hugePageAndKsmAdviceApply() {
        MemoryOptions options = MemoryOptions.DEFAULT.withHugePages(true).withMergeable(true);
        try (MmapGuestMemory ram = MmapGuestMemory.allocate(GuestMemoryMap.plan(8 * MIB), options,
                NumaTopology.parse("0"))) {
            assertEquals(0, ram.hostAddress(0) % (2 * MIB)); // aligned so THP can back it
            ram.writeInt(4 * MIB, 42);
            assertEquals(42, ram.readInt(4 * MIB));
        }
    }

    @Test
    void numaBindingOnOneNodeIsSkippedAndOnSeveralUsesMbind() {
        GuestMemoryMap map = GuestMemoryMap.plan(4 * MIB);
        try (MmapGuestMemory single = MmapGuestMemory.allocate(map, MemoryOptions.DEFAULT.withNumaNode(0),
                NumaTopology.parse("0"))) {
            single.writeInt(0, 1);
            assertEquals(1, single.readInt(0));
        }
        // Told the host has two nodes, it binds for real: node 0 exists here, so mbind succeeds...
        try (MmapGuestMemory bound = MmapGuestMemory.allocate(map, MemoryOptions.DEFAULT.withNumaNode(0),
                NumaTopology.parse("0-1"))) {
            bound.writeInt(0, 2);
            assertEquals(2, bound.readInt(0));
        }
        // ...and node 1 does not, so the kernel refuses and the error names the call.
        HostCallException e = assertThrows(HostCallException.class, () -> MmapGuestMemory.allocate(map,
                MemoryOptions.DEFAULT.withNumaNode(1), NumaTopology.parse("0-1")));
        assertEquals("mbind 4 MiB to node 1: EINVAL (Invalid argument)", e.getMessage());
        IllegalArgumentException absent = assertThrows(IllegalArgumentException.class, () -> MmapGuestMemory.allocate(
                map, MemoryOptions.DEFAULT.withNumaNode(3), NumaTopology.parse("0")));
        assertTrue(absent.getMessage().contains("NUMA node 3"), absent.getMessage());
    }

    @Test
    void closedMemoryCannotBeTouched() {
        MmapGuestMemory ram = MmapGuestMemory.allocate(MIB);
        MemorySegment view = ram.slice(0, 16);
        ram.close();
        ram.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> ram.readInt(0));
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_INT, 0));
    }

    @Test
    void concurrentWritersAndReadersSeeConsistentWords() throws Exception {
        try (MmapGuestMemory ram = split()) {
            int threads = 4;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long base = t % 2 == 0 ? t * 0x10000L : FOUR_GIB + t * 0x10000L;
                    int tag = t;
                    results.add(pool.submit(() -> {
                        int errors = 0;
                        for (int i = 0; i < 20_000; i++) {
                            long at = base + (i % 4096) * 8L;
                            long value = ((long) tag << 32) | i;
                            ram.writeLong(at, value);
                            if (ram.readLong(at) != value) {
                                errors++;
                            }
                            if (i % 64 == 0) {
                                // Straddles into the hole: the bounds check holds under contention.
                                assertThrows(GuestMemoryException.class, () -> ram.readLong(MIB - 4));
                            }
                        }
                        return errors;
                    }));
                }
                for (Future<Integer> r : results) {
                    assertEquals(0, r.get(30, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
