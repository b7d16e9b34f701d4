package vmm.dev.virtio.device;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.block.BlockImage;
import vmm.core.memory.GuestMemory;
import vmm.core.memory.GuestMemoryException;
import vmm.dev.virtio.queue.DescriptorChain;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtqueueException;

/**
 * virtio-blk (virtio 1.2, 5.2) over any {@link BlockImage} of the core's block API, so raw,
 * qcow2 and backing chains all work: read, write, flush, discard, write-zeroes and get-id, on
 * one or several request queues. Requests run on the device's I/O threads, straight between
 * the image and guest memory (no copy), and complete in any order.
 */
public final class VirtioBlk implements VirtioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioBlk.class);

    public static final int ID = 2;
    public static final long F_SEG_MAX = 1L << 2;
    public static final long F_RO = 1L << 5;
    public static final long F_BLK_SIZE = 1L << 6;
    public static final long F_FLUSH = 1L << 9;
    public static final long F_MQ = 1L << 12;
    public static final long F_DISCARD = 1L << 13;
    public static final long F_WRITE_ZEROES = 1L << 14;

    public static final int T_IN = 0;
    public static final int T_OUT = 1;
    public static final int T_FLUSH = 4;
    public static final int T_GET_ID = 8;
    public static final int T_DISCARD = 11;
    public static final int T_WRITE_ZEROES = 13;

    public static final byte S_OK = 0;
    public static final byte S_IOERR = 1;
    public static final byte S_UNSUPP = 2;

    static final int SECTOR = 512;
    /** Discard and write-zeroes ranges per request, and sectors per range. */
    static final int MAX_DISCARD_SEG = 1;
    static final int MAX_DISCARD_SECTORS = 1 << 22;
    static final int ID_BYTES = 20;
    /** Requests up to this size go through one bounce buffer per I/O thread. */
    static final int BOUNCE = 2 << 20;
    /** Up to this many separate pieces are read or written in place; more go through the bounce buffer. */
    static final int MAX_DIRECT_PIECES = 4;
    private static final ThreadLocal<ByteBuffer> BOUNCE_BUFFER = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(BOUNCE));

    private final String name;
    private final BlockImage image;
    private final byte[] serial;
    private final int queues;
    private final int queueSize;
    private final ExecutorService io;
    private final RateLimitedLog guestErrors = new RateLimitedLog(LOG);
    private volatile DeviceHost host;
    private final Object inflightLock = new Object();
    private int inflight;
    /** Completed requests: reads, writes, flushes, discards, write-zeroes, errors (BlkStats' order). */
    private final AtomicLongArray counts = new AtomicLongArray(6);

    /**
     * @param name      for log messages
     * @param image     the disk; read-only images are offered with VIRTIO_BLK_F_RO
     * @param serial    what GET_ID answers (at most 20 bytes used)
     * @param queues    request queues (VIRTIO_BLK_F_MQ when more than one)
     * @param ioThreads threads running the image I/O
     */
    public VirtioBlk(String name, BlockImage image, String serial, int queues, int ioThreads) {
        if (queues < 1 || queues > 64) {
            throw new IllegalArgumentException("virtio-blk: queues must be 1 to 64, not " + queues);
        }
        this.name = name;
        this.image = image;
        this.serial = serial.getBytes(StandardCharsets.US_ASCII);
        this.queues = queues;
        this.queueSize = 256;
        this.io = Executors.newFixedThreadPool(Math.max(1, ioThreads), Thread.ofPlatform().daemon()
                .name(name + "-io-", 0).factory());
    }

    @Override
    public int deviceId() {
        return ID;
    }

    @Override
    public long features() {
        long f = F_SEG_MAX | F_BLK_SIZE | F_FLUSH;
        if (queues > 1) {
            f |= F_MQ;
        }
        if (image.readOnly()) {
            f |= F_RO;
        } else {
            f |= F_DISCARD | F_WRITE_ZEROES;
        }
        return f;
    }

    @Override
    public int queueCount() {
        return queues;
    }

    @Override
    public int maxQueueSize() {
        return queueSize;
    }

    @Override
    public byte[] config() {
        ByteBuffer b = ByteBuffer.allocate(60).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, image.size() / SECTOR);       // capacity
        b.putInt(12, queueSize - 2);               // seg_max
        b.putInt(20, SECTOR);                      // blk_size
        b.putShort(34, (short) queues);            // num_queues
        b.putInt(36, MAX_DISCARD_SECTORS);         // max_discard_sectors
        b.putInt(40, MAX_DISCARD_SEG);             // max_discard_seg
        b.putInt(44, 8);                           // discard_sector_alignment: 4 KiB
        b.putInt(48, MAX_DISCARD_SECTORS);         // max_write_zeroes_sectors
        b.putInt(52, MAX_DISCARD_SEG);             // max_write_zeroes_seg
        b.put(56, (byte) 1);                       // write_zeroes_may_unmap
        return b.array();
    }

    @Override
    public void start(DeviceHost host) {
        this.host = host;
    }

    @Override
    public void queueNotify(Virtqueue queue) {
        try {
            do {
                // The last request popped runs on this thread and the others on the I/O threads:
                // a driver with one request in flight (dd with O_DIRECT) then pays no hand-off.
                DescriptorChain previous = null;
                DescriptorChain chain;
                while ((chain = queue.pop()) != null) {
                    if (previous != null) {
                        submit(queue, previous, false);
                    }
                    previous = chain;
                }
                if (previous != null) {
                    submit(queue, previous, true);
                }
            } while (queue.hasPending());
        } catch (VirtqueueException e) {
            guestErrors.warn("{}: {}", name, e.getMessage());
            DeviceHost h = host;
            if (h != null) {
                h.needsReset(e.getMessage());
            }
        }
    }

    private void submit(Virtqueue queue, DescriptorChain chain, boolean inline) {
        if (chain.readableLength() < 16 || chain.writableLength() < 1) {
            guestErrors.warn("{}: request {} without a header or a status byte ({} readable, {} writable bytes)",
                    name, chain.head(), chain.readableLength(), chain.writableLength());
            queue.complete(chain.head(), 0);
            return;
        }
        byte[] header = new byte[16];
        chain.copyFromReadable(0, header, 0, 16);
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int type = h.getInt(0);
        long sector = h.getLong(8);
        synchronized (inflightLock) {
            inflight++;
        }
        Runnable request = () -> {
            int written = 0;
            byte status;
            try {
                long dataIn = chain.writableLength() - 1;
                switch (type) {
                    case T_IN -> {
                        status = read(queue.memory(), sector, chain, dataIn);
                        written = status == S_OK ? (int) dataIn : 0;
                    }
                    case T_OUT -> status = write(queue.memory(), sector, chain);
                    case T_FLUSH -> {
                        image.flush();
                        status = S_OK;
                    }
                    case T_GET_ID -> {
                        int n = (int) Math.min(ID_BYTES, dataIn);
                        byte[] id = java.util.Arrays.copyOf(serial, n);
                        chain.copyToWritable(0, id, 0, n);
                        written = n;
                        status = S_OK;
                    }
                    case T_DISCARD, T_WRITE_ZEROES -> status = discardOrZero(type, chain);
                    default -> status = S_UNSUPP;
                }
            } catch (IOException | RuntimeException e) {
                guestErrors.warn("{}: request type {} at sector {} failed: {}", name, type, sector, e.toString());
                status = S_IOERR;
                written = 0;
            }
            count(type, status);
            try {
                setStatus(chain, status);
                queue.complete(chain.head(), written + 1);
            } finally {
                synchronized (inflightLock) {
                    if (--inflight == 0) {
                        inflightLock.notifyAll();
                    }
                }
            }
        };
        if (inline) {
            request.run();
        } else {
            io.execute(request);
        }
    }

    private void count(int type, byte status) {
        int slot = status != S_OK ? 5 : switch (type) {
            case T_IN -> 0;
            case T_OUT -> 1;
            case T_FLUSH -> 2;
            case T_DISCARD -> 3;
            case T_WRITE_ZEROES -> 4;
            default -> -1;
        };
        if (slot >= 0) {
            counts.incrementAndGet(slot);
        }
    }

    /** The requests completed so far, by type. */
    public BlkStats stats() {
        return new BlkStats(counts.get(0), counts.get(1), counts.get(2), counts.get(3), counts.get(4), counts.get(5));
    }

    private static void setStatus(DescriptorChain chain, byte status) {
        MemorySegment last = chain.writable().getLast().data();
        last.set(ValueLayout.JAVA_BYTE, last.byteSize() - 1, status);
    }

    private boolean inRange(long sector, long bytes) {
        long cap = image.size() / SECTOR;
        return sector >= 0 && sector <= cap && bytes % SECTOR == 0 && bytes / SECTOR <= cap - sector;
    }

    private byte read(GuestMemory memory, long sector, DescriptorChain chain, long len) throws IOException {
        if (!inRange(sector, len)) {
            guestErrors.warn("{}: read of {} bytes at sector {} outside the disk", name, len, sector);
            return S_IOERR;
        }
        long off = sector * SECTOR;
        List<MemorySegment> parts = pieces(memory, chain, true, 0, len);
        if (parts.size() > MAX_DIRECT_PIECES && len <= BOUNCE) {
            // One large read and a copy beat one read per guest page by far.
            ByteBuffer b = bounce(len);
            image.read(off, b);
            MemorySegment src = MemorySegment.ofBuffer(b.flip());
            long pos = 0;
            for (MemorySegment s : parts) {
                MemorySegment.copy(src, pos, s, 0, s.byteSize());
                pos += s.byteSize();
            }
            return S_OK;
        }
        for (MemorySegment s : parts) {
            image.read(off, s.asByteBuffer());
            off += s.byteSize();
        }
        return S_OK;
    }

    /**
     * The request's data as guest memory, contiguous pages merged; when the merge cannot be
     * made (a range across two RAM regions) the pages as the driver gave them.
     */
    private static List<MemorySegment> pieces(GuestMemory memory, DescriptorChain chain, boolean writable, long skip,
            long len) {
        try {
            return chain.coalesced(memory, writable, skip, len);
        } catch (GuestMemoryException e) {
            return writable ? chain.writableFrom(skip, len) : chain.readableFrom(skip, len);
        }
    }

    private static ByteBuffer bounce(long len) {
        return BOUNCE_BUFFER.get().clear().limit((int) len);
    }

    private byte write(GuestMemory memory, long sector, DescriptorChain chain) throws IOException {
        long len = chain.readableLength() - 16;
        if (image.readOnly()) {
            return S_IOERR;
        }
        if (!inRange(sector, len)) {
            guestErrors.warn("{}: write of {} bytes at sector {} outside the disk", name, len, sector);
            return S_IOERR;
        }
        long off = sector * SECTOR;
        List<MemorySegment> parts = pieces(memory, chain, false, 16, len);
        if (parts.size() > MAX_DIRECT_PIECES && len <= BOUNCE) {
            // Gathered into one buffer: one write instead of one per guest page (the image API
            // has no vectored write, and per-page writes cost a syscall and a block lookup each).
            ByteBuffer b = bounce(len);
            MemorySegment dst = MemorySegment.ofBuffer(b);
            long pos = 0;
            for (MemorySegment s : parts) {
                MemorySegment.copy(s, 0, dst, pos, s.byteSize());
                pos += s.byteSize();
            }
            image.write(off, b);
            return S_OK;
        }
        for (MemorySegment s : parts) {
            image.write(off, s.asByteBuffer());
            off += s.byteSize();
        }
        return S_OK;
    }

    private byte discardOrZero(int type, DescriptorChain chain) throws IOException {
        if (image.readOnly()) {
            return S_IOERR;
        }
        long payload = chain.readableLength() - 16;
        if (payload <= 0 || payload % 16 != 0 || payload / 16 > MAX_DISCARD_SEG) {
            return S_IOERR;
        }
        byte[] seg = new byte[(int) payload];
        chain.copyFromReadable(16, seg, 0, seg.length);
        ByteBuffer b = ByteBuffer.wrap(seg).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < seg.length; i += 16) {
            long sector = b.getLong(i);
            long count = Integer.toUnsignedLong(b.getInt(i + 8));
            int flags = b.getInt(i + 12);
            if ((flags & ~1) != 0 || count > MAX_DISCARD_SECTORS || !inRange(sector, count * SECTOR)) {
                return (flags & ~1) != 0 ? S_UNSUPP : S_IOERR;
            }
            if (type == T_DISCARD) {
                if ((flags & 1) != 0) {
                    return S_UNSUPP;  // unmap is only defined for write-zeroes
                }
                image.discard(sector * SECTOR, count * SECTOR);
            } else {
                image.writeZeroes(sector * SECTOR, count * SECTOR);
            }
        }
        return S_OK;
    }

    @Override
    public void quiesce(Virtqueue queue) {
        synchronized (inflightLock) {
            while (inflight > 0) {
                try {
                    inflightLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void reset() {
        host = null;
    }

    @Override
    public void close() {
        io.shutdown();
        try {
            if (!io.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("{}: I/O still running after 10 s at close", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            image.close();
        } catch (IOException e) {
            LOG.warn("{}: closing the image: {}", name, e.getMessage());
        }
    }
}
