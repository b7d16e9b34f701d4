package vmm.dev.virtio.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import vmm.core.memory.GuestMemory;

/** The split ring against well-formed and hostile drivers. */
class VirtqueueTest {
    final GuestMemory mem = GuestMemory.allocate(16L << 20);
    final Rings r = new Rings(mem, 8, VirtioFeatures.TRANSPORT);

    @AfterEach
    void close() {
        mem.close();
    }

    @Test
    void chainWithReadableThenWritableBuffers() throws Exception {
        Virtqueue q = r.queue(0, 0);
        r.desc(0, 0x100000, 16, Virtqueue.DESC_F_NEXT, 1);
        r.desc(1, 0x101000, 512, Virtqueue.DESC_F_NEXT | Virtqueue.DESC_F_WRITE, 2);
        r.desc(2, 0x102000, 1, Virtqueue.DESC_F_WRITE, 0);
        r.offer(0);
        DescriptorChain c = q.pop();
        assertEquals(0, c.head());
        assertEquals(16, c.readableLength());
        assertEquals(513, c.writableLength());
        assertNull(q.pop());
        q.complete(0, 513);
        assertEquals(1, r.usedIdx());
        assertEquals(0, r.usedId(0));
        assertEquals(513, r.usedLen(0));
        assertEquals(1, r.interrupts, "EVENT_IDX: the first completion always interrupts");
    }

    @Test
    void indirectTable() throws Exception {
        Virtqueue q = r.queue(0, 0);
        long table = 0x200000;
        mem.writeLong(table, 0x100000);
        mem.writeInt(table + 8, 16);
        mem.writeShort(table + 12, (short) Virtqueue.DESC_F_NEXT);
        mem.writeShort(table + 14, (short) 1);
        mem.writeLong(table + 16, 0x101000);
        mem.writeInt(table + 24, 100);
        mem.writeShort(table + 28, (short) Virtqueue.DESC_F_WRITE);
        r.desc(3, table, 32, Virtqueue.DESC_F_INDIRECT, 0);
        r.offer(3);
        DescriptorChain c = q.pop();
        assertEquals(3, c.head());
        assertEquals(16, c.readableLength());
        assertEquals(100, c.writableLength());
    }

    @Test
    void loopIsRefused() throws Exception {
        Virtqueue q = r.queue(0, 0);
        r.desc(0, 0x100000, 16, Virtqueue.DESC_F_NEXT, 1);
        r.desc(1, 0x100000, 16, Virtqueue.DESC_F_NEXT, 0);
        r.offer(0);
        VirtqueueException e = assertThrows(VirtqueueException.class, q::pop);
        assertTrue(e.getMessage().contains("loop"), e.getMessage());
        assertTrue(q.broken());
        assertNull(q.pop(), "a broken queue hands out nothing until reset");
    }

    @Test
    void bufferOutsideRamIsRefused() throws Exception {
        Virtqueue q = r.queue(0, 0);
        r.desc(0, 0xC000_0000L - 8, 16, 0, 0);   // runs into the PCI hole
        r.offer(0);
        assertTrue(assertThrows(VirtqueueException.class, q::pop).getMessage().contains("not in guest RAM"));
        Virtqueue q2 = r.queue(0, 0);
        r.desc(0, 0x100000, -1, 0, 0);           // 4 GiB - 1 in a 16 MiB guest
        assertThrows(VirtqueueException.class, q2::pop);
        Virtqueue q3 = r.queue(0, 0);
        r.desc(0, -4096, 16, 0, 0);              // the top of the address space
        assertThrows(VirtqueueException.class, q3::pop);
    }

    @Test
    void readableAfterWritableIsRefused() throws Exception {
        Virtqueue q = r.queue(0, 0);
        r.desc(0, 0x100000, 16, Virtqueue.DESC_F_NEXT | Virtqueue.DESC_F_WRITE, 1);
        r.desc(1, 0x101000, 16, 0, 0);
        r.offer(0);
        assertTrue(assertThrows(VirtqueueException.class, q::pop).getMessage().contains("after a device-writable"));
    }

    @Test
    void availableIndexTooFarAheadIsRefused() throws Exception {
        Virtqueue q = r.queue(0, 0);
        mem.writeShort(Rings.AVAIL + 2, (short) 1000);
        assertThrows(VirtqueueException.class, q::pop);
    }

    @Test
    void headAndNextIndexesAreChecked() throws Exception {
        Virtqueue q = r.queue(0, 0);
        r.offer(9);
        assertThrows(VirtqueueException.class, q::pop);
        Virtqueue q2 = r.queue(0, 1);
        r.desc(0, 0x100000, 16, Virtqueue.DESC_F_NEXT, 200);
        r.offer(0);
        assertThrows(VirtqueueException.class, q2::pop);
    }

    @Test
    void nestedIndirectIsRefused() throws Exception {
        Virtqueue q = r.queue(0, 0);
        long table = 0x200000;
        mem.writeLong(table, 0x300000);
        mem.writeInt(table + 8, 16);
        mem.writeShort(table + 12, (short) Virtqueue.DESC_F_INDIRECT);
        r.desc(0, table, 16, Virtqueue.DESC_F_INDIRECT, 0);
        r.offer(0);
        assertThrows(VirtqueueException.class, q::pop);
    }

    @Test
    void ringsOutsideRamOrMisalignedAreRefused() {
        assertThrows(VirtqueueException.class, () -> new SplitVirtqueue(0, mem, 8, 0xC000_0000L, Rings.AVAIL, Rings.USED,
                0, 0, () -> { }));
        assertThrows(VirtqueueException.class, () -> new SplitVirtqueue(0, mem, 8, Rings.DESC + 8, Rings.AVAIL, Rings.USED,
                0, 0, () -> { }));
        assertThrows(VirtqueueException.class, () -> new SplitVirtqueue(0, mem, 7, Rings.DESC, Rings.AVAIL, Rings.USED,
                0, 0, () -> { }));
    }

    @Test
    void eventIndexSuppressesInterruptsTheDriverDidNotAskFor() throws Exception {
        Virtqueue q = r.queue(0, 0);
        for (int i = 0; i < 3; i++) {
            r.desc(i, 0x100000, 16, 0, 0);
            r.offer(i);
        }
        mem.writeShort(Rings.AVAIL + 4 + 2L * 8, (short) 2);   // used_event: interrupt after the 3rd
        for (int i = 0; i < 3; i++) {
            q.complete(q.pop().head(), 0);
        }
        assertEquals(2, r.interrupts, "the first completion and the one past used_event");
        assertEquals(3, Short.toUnsignedInt(mem.readShort(Rings.USED + 4 + 8L * 8)), "avail_event follows the device");
    }
}
