package vmm.dev.virtio.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.block.BlockFormats;
import vmm.core.block.BlockImage;
import vmm.core.block.CreateOptions;
import vmm.core.block.OpenOptions;
import vmm.core.memory.GuestMemory;
import vmm.core.net.FrameSink;
import vmm.core.net.NetworkBackend;
import vmm.dev.virtio.net.TestNetworkBackend;
import vmm.dev.virtio.queue.PackedRings;
import vmm.dev.virtio.queue.PackedVirtqueue;
import vmm.dev.virtio.queue.Rings;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtioFeatures;
import vmm.storage.raw.RawFormat;

/**
 * A hostile driver: seeded random descriptor tables, ring indexes and request headers, fed to
 * every device model through the shared queue code. Nothing may escape (every fault is a
 * device error or a reset request), nothing may hang, and every buffer the devices touch is a
 * bounds-checked slice of guest RAM. {@code -Dvirtio.fuzz.iterations=1000000} for the long run.
 */
class HostileGuestFuzzTest {
    static final long RAM = 4L << 20;

    @TempDir
    Path dir;

    @Test
    @Timeout(600)
    void randomRingsNeverEscapeOrHang() throws Exception {
        int iterations = Integer.getInteger("virtio.fuzz.iterations", 40_000);
        long seed = Long.getLong("virtio.fuzz.seed", 0x5eedL);
        SplittableRandom rnd = new SplittableRandom(seed);
        Path img = dir.resolve("fuzz.raw");
        new RawFormat().create(img, new CreateOptions(1L << 20, java.util.Map.of()), BlockFormats.of(new RawFormat()));
        int resets = 0;
        int completed = 0;
        try (GuestMemory mem = GuestMemory.allocate(RAM);
             BlockImage image = new RawFormat().open(img, OpenOptions.readWrite(), BlockFormats.of(new RawFormat()))) {
            VirtioBlk blk = new VirtioBlk("fuzz-blk", image, "fuzz", 1, 2);
            NetworkBackend loop = new NetworkBackend() {
                volatile FrameSink sink;

                @Override
                public void transmit(ByteBuffer frame) {
                    FrameSink s = sink;
                    if (s != null) {
                        s.deliver(frame);
                    }
                }

                @Override
                public void attach(FrameSink s) {
                    sink = s;
                }

                @Override
                public void close() {
                }
            };
            List<VirtioDevice> devices = List.of(blk, new VirtioNet("fuzz-net", VirtioNet.parseMac("52:54:00:00:00:01"), loop),
                    new VirtioConsole("fuzz-con", b -> { }), new VirtioRng("fuzz-rng"), new VirtioBalloon("fuzz-balloon", 0));
            for (int it = 0; it < iterations; it++) {
                VirtioDevice dev = devices.get(it % devices.size());
                int size = 1 << (1 + rnd.nextInt(6));
                long features = rnd.nextBoolean() ? VirtioFeatures.TRANSPORT | VirtioNet.F_MRG_RXBUF : VirtioFeatures.VERSION_1;
                Rings r = new Rings(mem, size, features);
                scribble(mem, rnd, size);
                int queueIndex = rnd.nextInt(dev.queueCount());
                Virtqueue q = r.queue(queueIndex, rnd.nextInt(4));
                dev.start(r);
                dev.queueNotify(q);
                dev.quiesce(q);
                resets += r.resets.size();
                completed += r.usedIdx();
                dev.reset();
            }
            blk.close();
        }
        org.slf4j.LoggerFactory.getLogger(HostileGuestFuzzTest.class).warn(
                "fuzzed {} rings (seed {}): {} reset requests, {} requests completed", iterations, seed, resets, completed);
        assertTrue(resets > iterations / 20, "hostile rings were detected: " + resets);
        assertTrue(completed > 0, "well-formed requests still completed: " + completed);
    }


    @Test
    @Timeout(600)
    void randomPackedRingsNeverEscapeOrHang() throws Exception {
        int iterations = Integer.getInteger("virtio.fuzz.iterations", 40_000) / 2;
        long seed = Long.getLong("virtio.fuzz.seed", 0x5eedL) + 1;
        SplittableRandom rnd = new SplittableRandom(seed);
        Path img = dir.resolve("fuzz.raw");
        new RawFormat().create(img, new CreateOptions(1L << 20, java.util.Map.of()), BlockFormats.of(new RawFormat()));
        int resets = 0;
        int used = 0;
        try (GuestMemory mem = GuestMemory.allocate(RAM);
             BlockImage image = new RawFormat().open(img, OpenOptions.readWrite(), BlockFormats.of(new RawFormat()))) {
            VirtioBlk blk = new VirtioBlk("fuzz-blk", image, "fuzz", 1, 2);
            List<VirtioDevice> devices = List.of(blk, new VirtioNet("fuzz-net", VirtioNet.parseMac("52:54:00:00:00:01"),
                    new TestNetworkBackend(null, true)), new VirtioConsole("fuzz-con", b -> { }), new VirtioRng("fuzz-rng"),
                    new VirtioBalloon("fuzz-balloon", 0));
            for (int it = 0; it < iterations; it++) {
                VirtioDevice dev = devices.get(it % devices.size());
                int size = 1 + rnd.nextInt(64);
                long features = rnd.nextBoolean() ? VirtioFeatures.TRANSPORT | VirtioNet.F_MRG_RXBUF : VirtioFeatures.VERSION_1;
                PackedRings r = new PackedRings(mem, size, features);
                scribblePacked(mem, rnd, size);
                Virtqueue q = r.open(rnd.nextInt(dev.queueCount()));
                dev.start(r);
                dev.queueNotify(q);
                dev.quiesce(q);
                resets += r.resets.size();
                // The used ids are the scribbled ones: count at most a ring's worth.
                for (int k = 0; k < size && r.takeUsed() != null; k++) {
                    used++;
                }
                dev.reset();
            }
            blk.close();
        }
        org.slf4j.LoggerFactory.getLogger(HostileGuestFuzzTest.class).warn(
                "fuzzed {} packed rings (seed {}): {} reset requests, {} buffers used", iterations, seed, resets, used);
        assertTrue(resets > iterations / 20, "hostile rings were detected: " + resets);
        assertTrue(used > 0, "well-formed buffers still came back: " + used);
    }

    /** Random packed descriptors: plausible flags and ids most of the time, anything otherwise. */
    private static void scribblePacked(GuestMemory mem, SplittableRandom rnd, int size) {
        for (int i = 0; i < size; i++) {
            long d = PackedRings.RING + 16L * i;
            long addr = rnd.nextInt(8) == 0 ? rnd.nextLong() : 0x40000 + rnd.nextInt((int) (RAM - 0x80000));
            int len = rnd.nextInt(8) == 0 ? rnd.nextInt() : 1 + rnd.nextInt(4096);
            int flags = rnd.nextInt(8) == 0 ? rnd.nextInt(65536)
                    : (rnd.nextInt(8) & ~(rnd.nextInt(3) == 0 ? 0 : Virtqueue.DESC_F_INDIRECT))
                    | (rnd.nextInt(6) == 0 ? PackedVirtqueue.DESC_F_USED : PackedVirtqueue.DESC_F_AVAIL);
            mem.writeLong(d, addr);
            mem.writeInt(d + 8, len);
            mem.writeShort(d + 12, (short) (rnd.nextInt(6) == 0 ? rnd.nextInt(65536) : rnd.nextInt(size)));
            mem.writeShort(d + 14, (short) flags);
            if (addr >= 0x40000 && addr + 16 < RAM) {
                mem.writeInt(addr, rnd.nextBoolean() ? rnd.nextInt(16) : rnd.nextInt());
                mem.writeLong(addr + 8, rnd.nextBoolean() ? rnd.nextInt(4096) : rnd.nextLong());
            }
        }
        mem.writeInt(PackedRings.DRIVER, rnd.nextInt());
    }

    /** Random descriptors (mostly plausible, some absurd) and an available ring pointing at them. */
    private static void scribble(GuestMemory mem, SplittableRandom rnd, int size) {
        for (int i = 0; i < size; i++) {
            long d = Rings.DESC + 16L * i;
            long addr = switch (rnd.nextInt(8)) {
                case 0 -> rnd.nextLong();
                case 1 -> RAM - rnd.nextInt(64);
                default -> 0x40000 + rnd.nextInt((int) (RAM - 0x80000));
            };
            int len = switch (rnd.nextInt(8)) {
                case 0 -> rnd.nextInt();
                case 1 -> 0;
                default -> 1 + rnd.nextInt(4096);
            };
            int flags = rnd.nextInt(8);
            if (rnd.nextInt(4) == 0) {
                flags &= ~Virtqueue.DESC_F_INDIRECT;
            }
            mem.writeLong(d, addr);
            mem.writeInt(d + 8, len);
            mem.writeShort(d + 12, (short) flags);
            mem.writeShort(d + 14, (short) (rnd.nextInt(5) == 0 ? rnd.nextInt(65536) : rnd.nextInt(size)));
            // Request headers: a valid type and sector half of the time, garbage otherwise.
            if (addr >= 0x40000 && addr + 16 < RAM) {
                mem.writeInt(addr, rnd.nextBoolean() ? rnd.nextInt(16) : rnd.nextInt());
                mem.writeLong(addr + 8, rnd.nextBoolean() ? rnd.nextInt(4096) : rnd.nextLong());
            }
        }
        mem.writeShort(Rings.AVAIL, (short) rnd.nextInt(2));
        int avail = rnd.nextInt(10) == 0 ? rnd.nextInt(65536) : rnd.nextInt(size + 1);
        for (int i = 0; i < size; i++) {
            mem.writeShort(Rings.AVAIL + 4 + 2L * i, (short) (rnd.nextInt(10) == 0 ? rnd.nextInt(65536) : rnd.nextInt(size)));
        }
        mem.writeShort(Rings.AVAIL + 4 + 2L * size, (short) rnd.nextInt(65536));
        mem.writeShort(Rings.AVAIL + 2, (short) avail);
        mem.writeShort(Rings.USED + 2, (short) 0);
    }
}
