package vmm.dev.virtio.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import vmm.core.memory.GuestMemory;
import vmm.dev.virtio.queue.PackedRings.Buf;

/** The packed ring against a driver that follows Linux's conventions, and hostile ones. */
class PackedVirtqueueTest {
    final GuestMemory mem = GuestMemory.allocate(16L << 20);
    final PackedRings r = new PackedRings(mem, 4, VirtioFeatures.TRANSPORT);

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void chainIsUsedAndThePositionMovesByItsSlots() throws Exception {
        Virtqueue q = r.open(0);
        r.offer(2, new Buf(0x100000, 16, false), new Buf(0x101000, 512, true), new Buf(0x102000, 1, true));
        DescriptorChain c = q.pop();
        assertEquals(2, c.head(), "the buffer id");
        assertEquals(16, c.readableLength());
        assertEquals(513, c.writableLength());
        assertNull(q.pop());
        assertTrue(!q.hasPending());
        q.complete(2, 513);
        assertArrayEquals(new int[] {2, 513}, r.takeUsed());
        assertNull(r.takeUsed());
        assertEquals(1, r.interrupts);
    }

    @Test
    void outOfOrderCompletionAndWrapAround() throws Exception {
        Virtqueue q = r.open(0);
        for (int round = 0; round < 5; round++) {
            // Three slots then one: the ring of four wraps every round, in both counters.
            r.offer(0, new Buf(0x100000, 16, false), new Buf(0x101000, 100, true), new Buf(0x102000, 1, true));
            r.offer(1, new Buf(0x103000, 8, true));
            DescriptorChain a = q.pop();
            DescriptorChain b = q.pop();
            assertNull(q.pop(), "round " + round);
            assertEquals(0, a.head());
            assertEquals(1, b.head());
            q.push(1, 8);
            q.push(0, 101);
            assertArrayEquals(new int[] {1, 8}, r.takeUsed(), "round " + round);
            assertArrayEquals(new int[] {0, 101}, r.takeUsed(), "round " + round);
            assertNull(r.takeUsed());
        }
    }

    @Test
    void resumesFromItsBaseAcrossAWrap() throws Exception {
        Virtqueue q = r.open(0);
        r.offer(0, new Buf(0x100000, 16, false), new Buf(0x101000, 100, true), new Buf(0x102000, 1, true));
        q.pop();
        q.push(0, 101);
        assertArrayEquals(new int[] {0, 101}, r.takeUsed());
        int base = q.lastAvail();
        assertEquals(3 | PackedVirtqueue.FRESH, base, "position 3, first lap");
        // A restored machine builds the queue again from the saved base.
        Virtqueue again = new PackedVirtqueue(0, mem, 4, PackedRings.RING, PackedRings.DRIVER, PackedRings.DEVICE,
                VirtioFeatures.TRANSPORT, base, () -> { });
        r.offer(1, new Buf(0x103000, 8, true), new Buf(0x104000, 8, true));
        DescriptorChain c = again.pop();
        assertEquals(1, c.head());
        assertEquals(16, c.writableLength());
        again.push(1, 16);
        assertArrayEquals(new int[] {1, 16}, r.takeUsed(), "used at the driver's position, after the wrap");
        assertEquals(1, again.lastAvail(), "position 1, second lap");
        assertThrows(VirtqueueException.class, () -> new PackedVirtqueue(0, mem, 4, PackedRings.RING, PackedRings.DRIVER,
                PackedRings.DEVICE, VirtioFeatures.TRANSPORT, 4, () -> { }), "a base outside the ring");
    }

    @Test
    void indirectTableIsOneSlot() throws Exception {
        Virtqueue q = r.open(0);
        r.offerIndirect(3, 0x200000, new Buf(0x100000, 16, false), new Buf(0x101000, 100, true));
        DescriptorChain c = q.pop();
        assertEquals(3, c.head());
        assertEquals(16, c.readableLength());
        assertEquals(100, c.writableLength());
        q.push(3, 100);
        assertArrayEquals(new int[] {3, 100}, r.takeUsed());
    }

    @Test
    void unpopGivesBuffersBack() throws Exception {
        Virtqueue q = r.open(0);
        r.offer(0, new Buf(0x100000, 64, true));
        r.offer(1, new Buf(0x101000, 64, true), new Buf(0x102000, 64, true));
        assertEquals(0, q.pop().head());
        assertEquals(1, q.pop().head());
        q.unpop(2);
        assertEquals(0, q.pop().head(), "the same buffers again, in order");
        assertEquals(1, q.pop().head());
        q.push(0, 10);
        q.push(1, 20);
        assertArrayEquals(new int[] {0, 10}, r.takeUsed());
        assertArrayEquals(new int[] {1, 20}, r.takeUsed());
        assertThrows(IllegalStateException.class, () -> q.push(1, 0), "a buffer pushed twice is a device bug");
    }

    @Test
    void driverEventSuppression() throws Exception {
        PackedRings e = new PackedRings(mem, 8, VirtioFeatures.TRANSPORT);
        Virtqueue q = e.open(0);
        e.driverEvent(PackedVirtqueue.EVENT_DISABLE, 0);
        e.offer(0, new Buf(0x100000, 8, true));
        q.pop();
        q.complete(0, 8);
        assertEquals(0, e.interrupts, "disabled");
        // EVENT_DESC: interrupt when the used position passes slot 2 of the current wrap.
        e.driverEvent(PackedVirtqueue.EVENT_DESC, 2 | 1 << 15);
        for (int id = 1; id <= 3; id++) {
            e.offer(id, new Buf(0x100000, 8, true));
            q.pop();
            q.complete(id, 8);
        }
        assertEquals(1, e.interrupts, "only once the event slot was passed");
        e.driverEvent(PackedVirtqueue.EVENT_ENABLE, 0);
        e.offer(4, new Buf(0x100000, 8, true));
        q.pop();
        q.complete(4, 8);
        assertEquals(2, e.interrupts);
        assertEquals(PackedVirtqueue.EVENT_ENABLE, mem.readInt(PackedRings.DEVICE), "the device always wants kicks");
    }

    @Test
    void hostileDriversAreRefused() throws Exception {
        Virtqueue q = r.open(0);
        r.offer(7, new Buf(0x100000, 8, true));
        assertTrue(assertThrows(VirtqueueException.class, q::pop).getMessage().contains("buffer id 7"));
        assertNull(q.pop(), "a broken queue hands out nothing more");
        assertTrue(q.broken());

        PackedRings loop = new PackedRings(mem, 4, VirtioFeatures.TRANSPORT);
        Virtqueue l = loop.open(0);
        for (int i = 0; i < 4; i++) {
            loop.write(i, 0x100000, 8, 0, Virtqueue.DESC_F_NEXT | PackedRings.availFlags(true));
        }
        assertTrue(assertThrows(VirtqueueException.class, l::pop).getMessage().contains("longer than the ring"));

        assertRefused(ring -> ring.offer(0, new Buf(0x100000, 8, true)), "again", true);
        assertRefused(ring -> {
            ring.offer(0, new Buf(0x100000, 8, false), new Buf(0x101000, 8, true));
            ring.write(1, 0x101000, 8, 0, Virtqueue.DESC_F_WRITE | PackedRings.availFlags(false));
        }, "descriptor 1 of the chain at 0 is not marked available", false);
        assertRefused(ring -> ring.offer(0, new Buf(0xC000_0000L, 8, false)), "not in guest RAM", false);
        assertRefused(ring -> ring.offer(0, new Buf(0x100000, 8, true), new Buf(0x101000, 8, false)), "after a device-writable", false);
        assertRefused(ring -> ring.offerIndirect(0, 0x200000, new Buf(0x100000, 8, false)), "without VIRTIO_F_INDIRECT_DESC",
                false, VirtioFeatures.VERSION_1);
        assertRefused(ring -> {
            ring.offerIndirect(0, 0x200000, new Buf(0x100000, 8, false));
            mem.writeShort(0x200000 + 14, (short) Virtqueue.DESC_F_INDIRECT);
        }, "inside an indirect table", false);
        assertRefused(ring -> ring.write(0, 0x200000, 24, 0, Virtqueue.DESC_F_INDIRECT | PackedRings.availFlags(true)),
                "indirect table of 24 bytes", false);
        assertThrows(VirtqueueException.class, () -> new PackedVirtqueue(0, mem, 8, PackedRings.RING + 8, PackedRings.DRIVER,
                PackedRings.DEVICE, VirtioFeatures.TRANSPORT, PackedVirtqueue.FRESH, () -> { }));
        assertThrows(VirtqueueException.class, () -> new PackedVirtqueue(0, mem, 8, 0xC000_0000L, PackedRings.DRIVER,
                PackedRings.DEVICE, VirtioFeatures.TRANSPORT, PackedVirtqueue.FRESH, () -> { }));
        assertThrows(VirtqueueException.class, () -> new PackedVirtqueue(0, mem, 0, PackedRings.RING, PackedRings.DRIVER,
                PackedRings.DEVICE, VirtioFeatures.TRANSPORT, PackedVirtqueue.FRESH, () -> { }));
    }

    interface Setup {
        void apply(PackedRings ring);
    }

    /** A fresh ring where {@code setup} is offered, after one good buffer when {@code afterGood}. */
    private void assertRefused(Setup setup, String message, boolean afterGood) throws Exception {
        assertRefused(setup, message, afterGood, VirtioFeatures.TRANSPORT);
    }

    private void assertRefused(Setup setup, String message, boolean afterGood, long features) throws Exception {
        mem.write(PackedRings.RING, java.nio.ByteBuffer.allocate(16 * 8));
        PackedRings ring = new PackedRings(mem, 8, features);
        Virtqueue q = ring.open(0);
        if (afterGood) {
            ring.offer(0, new Buf(0x100000, 8, true));
            q.pop();
        }
        setup.apply(ring);
        VirtqueueException e = assertThrows(VirtqueueException.class, q::pop);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
