package vmm.dev.virtio.queue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A request the driver made available: its head index (returned in the used ring) and its
 * buffers, the device-readable ones first, then the device-writable ones, as the spec orders them.
 */
public record DescriptorChain(int head, List<Descriptor> readable, List<Descriptor> writable,
        long readableLength, long writableLength) {

    /**
     * Copies up to {@code dst.length} bytes of the readable part, starting {@code skip} bytes in;
     * returns how many were copied.
     */
    public int copyFromReadable(long skip, byte[] dst, int off, int len) {
        return copy(readable, skip, dst, off, len, false);
    }

    /** Copies {@code len} bytes into the writable part at {@code skip}; returns how many fitted. */
    public int copyToWritable(long skip, byte[] src, int off, int len) {
        return copy(writable, skip, src, off, len, true);
    }

    /** The readable bytes from {@code skip} to the end as slices of guest memory. */
    public List<MemorySegment> readableFrom(long skip, long length) {
        return slices(readable, skip, length);
    }

    /** {@code length} writable bytes from {@code skip} as slices of guest memory. */
    public List<MemorySegment> writableFrom(long skip, long length) {
        return slices(writable, skip, length);
    }

    /**
     * {@code length} bytes from {@code skip} of the readable (or writable) part as guest
     * ranges, neighbours in guest-physical memory merged into one: a driver's buffer of many
     * pages that happen to be contiguous becomes one slice of guest memory, so the device does
     * one I/O call for it instead of one per page.
     */
    public List<MemorySegment> coalesced(vmm.core.memory.GuestMemory memory, boolean fromWritable, long skip, long length) {
        var out = new java.util.ArrayList<MemorySegment>();
        long pos = 0;
        long remaining = length;
        long runStart = -1;
        long runLen = 0;
        for (Descriptor d : fromWritable ? writable : readable) {
            long len = d.data().byteSize();
            if (remaining <= 0) {
                break;
            }
            if (pos + len > skip) {
                long from = Math.max(0, skip - pos);
                long n = Math.min(len - from, remaining);
                long gpa = d.gpa() + from;
                if (runStart >= 0 && runStart + runLen == gpa) {
                    runLen += n;
                } else {
                    if (runStart >= 0) {
                        out.add(memory.slice(runStart, runLen));
                    }
                    runStart = gpa;
                    runLen = n;
                }
                remaining -= n;
            }
            pos += len;
        }
        if (runStart >= 0) {
            out.add(memory.slice(runStart, runLen));
        }
        return out;
    }

    private static List<MemorySegment> slices(List<Descriptor> ds, long skip, long length) {
        var out = new java.util.ArrayList<MemorySegment>(ds.size());
        long pos = 0;
        long remaining = length;
        for (Descriptor d : ds) {
            long len = d.data().byteSize();
            if (remaining <= 0) {
                break;
            }
            if (pos + len > skip) {
                long from = Math.max(0, skip - pos);
                long n = Math.min(len - from, remaining);
                out.add(d.data().asSlice(from, n));
                remaining -= n;
            }
            pos += len;
        }
        return out;
    }

    private static int copy(List<Descriptor> ds, long skip, byte[] buf, int off, int len, boolean toGuest) {
        int done = 0;
        long pos = 0;
        for (Descriptor d : ds) {
            if (done == len) {
                break;
            }
            long dlen = d.data().byteSize();
            if (pos + dlen > skip) {
                long from = Math.max(0, skip - pos);
                int n = (int) Math.min(dlen - from, len - done);
                if (toGuest) {
                    MemorySegment.copy(buf, off + done, d.data(), ValueLayout.JAVA_BYTE, from, n);
                } else {
                    MemorySegment.copy(d.data(), ValueLayout.JAVA_BYTE, from, buf, off + done, n);
                }
                done += n;
            }
            pos += dlen;
        }
        return done;
    }
}
