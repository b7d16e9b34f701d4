package vmm.core.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import vmm.core.device.BusDevice;

class BusTest {

    /** Remembers the last access and answers reads with offset-tagged bytes. */
    static final class Probe implements BusDevice {
        final String name;
        volatile long lastOffset = -1;
        volatile byte[] lastWrite;

        Probe(String name) {
            this.name = name;
        }

        @Override
        public void read(long offset, byte[] data) {
            lastOffset = offset;
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (offset + i);
            }
        }

        @Override
        public void write(long offset, byte[] data) {
            lastOffset = offset;
            lastWrite = data.clone();
        }

        @Override
        public String name() {
            return name;
        }
    }

    @Test
    void dispatchesWithOffsetIntoTheRange() {
        Bus bus = Bus.pio();
        Probe com1 = new Probe("com1");
        bus.insert(com1, 0x3f8, 8);
        byte[] data = new byte[1];
        assertTrue(bus.read(0x3fd, data));
        assertEquals(5, com1.lastOffset);
        assertEquals(5, data[0]);
        assertTrue(bus.write(0x3f8, new byte[] {0x41}));
        assertEquals(0, com1.lastOffset);
        assertArrayEquals(new byte[] {0x41}, com1.lastWrite);
    }

    @Test
    void overlappingClaimIsRefusedNamingBothDevicesAndRanges() {
        Bus bus = Bus.pio();
        bus.insert(new Probe("serial0"), 0x3f8, 8);
        BusConflictException e = assertThrows(BusConflictException.class,
                () -> bus.insert(new Probe("serial1"), 0x3fc, 8));
        assertEquals("pio: serial1 [0x3fc-0x403] overlaps serial0 [0x3f8-0x3ff]", e.getMessage());
        assertEquals("serial0", e.existing().name());
        // A claim that swallows an existing one whole is refused too.
        assertThrows(BusConflictException.class, () -> bus.insert(new Probe("big"), 0x300, 0x200));
        // Touching ranges are fine.
        bus.insert(new Probe("below"), 0x3f0, 8);
        bus.insert(new Probe("above"), 0x400, 1);
        assertEquals(3, bus.ranges().size());
        assertEquals(List.of(0x3f0L, 0x3f8L, 0x400L), bus.ranges().stream().map(BusRange::base).toList());
    }

    @Test
    void unclaimedReadsAreAllOnesAndWritesAreDropped() {
        Bus bus = Bus.pio();
        Probe p = new Probe("p");
        bus.insert(p, 0x60, 1);
        byte[] data = {1, 2, 3, 4};
        assertFalse(bus.read(0x80, data));
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, data);
        assertFalse(bus.write(0x80, new byte[] {7}));
        assertEquals(2, bus.unclaimedAccesses());
        assertNull(p.lastWrite);
    }

    @Test
    void anAccessRunningPastTheRangeEndReachesNoDevice() {
        Bus bus = Bus.pio();
        Probe p = new Probe("p");
        bus.insert(p, 0xcfc, 4);
        byte[] data = new byte[4];
        assertTrue(bus.read(0xcfc, data));
        assertFalse(bus.read(0xcfe, data));
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, data);
        assertEquals(0, p.lastOffset);
    }

    @Test
    void portSpaceIsSixteenBits() {
        Bus bus = Bus.pio();
        bus.insert(new Probe("last"), 0xffff, 1);
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Probe("x"), 0xfff0, 0x20));
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Probe("x"), 0x10000, 1));
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Probe("x"), 0x100, 0));
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Probe("x"), -1, 1));
    }

    @Test
    void mmioAddressesAreUnsignedSixtyFourBit() {
        Bus bus = Bus.mmio();
        Probe low = new Probe("low");
        Probe top = new Probe("top");
        bus.insert(low, 0xfee0_0000L, 0x1000);
        bus.insert(top, 0xffff_ffff_ffff_f000L, 0x1000); // ends exactly at 2^64
        assertSame(top, bus.find(0xffff_ffff_ffff_fff8L).device());
        assertSame(low, bus.find(0xfee0_0ff0L).device());
        assertNull(bus.find(0x8000_0000_0000_0000L));
        byte[] data = new byte[8];
        assertTrue(bus.read(0xffff_ffff_ffff_fff8L, data));
        assertEquals(0xff8, top.lastOffset);
        // Wrapping past 2^64 is refused.
        assertThrows(IllegalArgumentException.class, () -> bus.insert(new Probe("wrap"), 0xffff_ffff_ffff_0000L, 0x20000));
        assertEquals(List.of("low", "top"), bus.ranges().stream().map(BusRange::name).toList());
    }

    @Test
    void removalReleasesEveryRangeOfTheDevice() {
        Bus bus = Bus.pio();
        Probe p = new Probe("i8042");
        bus.insert("i8042-data", p, 0x60, 1);
        bus.insert("i8042-cmd", p, 0x64, 1);
        assertTrue(bus.remove(p));
        assertFalse(bus.remove(p));
        assertTrue(bus.ranges().isEmpty());
        assertFalse(bus.read(0x64, new byte[1]));
        bus.insert(new Probe("new"), 0x60, 5); // the space is free again
    }

    @Test
    void lookupsStayCorrectWhileDevicesAreHotPluggedConcurrently() throws Exception {
        Bus bus = Bus.mmio();
        int devices = 64;
        List<Probe> fixed = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            Probe p = new Probe("fixed" + i);
            fixed.add(p);
            bus.insert(p, 0x1000_0000L + i * 0x1000L, 0x1000);
        }
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<?> plugger = pool.submit(() -> {
                Probe hot = new Probe("hot");
                while (!stop.get()) {
                    bus.insert(hot, 0x2000_0000L, 0x1000);
                    bus.remove(hot);
                }
            });
            List<Future<Integer>> vcpus = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                vcpus.add(pool.submit(() -> {
                    int misses = 0;
                    byte[] data = new byte[4];
                    for (int n = 0; n < 100_000; n++) {
                        int i = n % devices;
                        BusRange r = bus.find(0x1000_0000L + i * 0x1000L + 0x10);
                        if (r == null || r.device() != fixed.get(i)) {
                            misses++;
                        }
                        bus.read(0x2000_0000L, data); // the hot device or all-ones, never anything else
                        if (data[0] != 0 && data[0] != -1) {
                            misses++;
                        }
                    }
                    return misses;
                }));
            }
            for (Future<Integer> v : vcpus) {
                assertEquals(0, v.get(30, TimeUnit.SECONDS));
            }
            stop.set(true);
            plugger.get(30, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        assertEquals(devices, bus.ranges().size());
    }
}
