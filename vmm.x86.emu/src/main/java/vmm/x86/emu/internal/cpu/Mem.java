package vmm.x86.emu.internal.cpu;

import java.lang.foreign.MemorySegment;

import vmm.core.hypervisor.InterruptPort;

/**
 * One vCPU's view of memory: segmentation, the software TLB and physical dispatch.
 *
 * <p>The TLB is direct-mapped. A tag is the linear page address with bit 0 set for user-mode
 * accesses, so a hit is one compare that also proves the permission; separate tag arrays for
 * read, write and fetch hold only pages the mode may access that way (write tags only for RAM
 * pages that are dirty and hold no decoded code). The entry's host address (native RAM only)
 * turns the linear address into the byte the access reads or writes; its offset in the
 * region's memory segment serves bulk string operations. Everything else (a miss, MMIO, the
 * local APIC, a page-crossing access, a code page) takes the slow path through {@link Paging}.
 */
public final class Mem {
    public static final int TLB_SIZE = 2048;
    static final long INVALID = 2;
    public static final int READ = 0, WRITE = 1, FETCH = 2;

    final Cpu cpu;
    final PhysMem phys;
    final Paging paging;
    final long[] rTag = new long[TLB_SIZE];
    final long[] wTag = new long[TLB_SIZE];
    final long[] xTag = new long[TLB_SIZE];
    final MemorySegment[] host = new MemorySegment[TLB_SIZE];
    final long[] hostOff = new long[TLB_SIZE];
    /** Host address of the entry's page minus its linear page: host address = hostAddr + linear. */
    final long[] hostAddr = new long[TLB_SIZE];
    final long[] physPage = new long[TLB_SIZE];
    final boolean[] global = new boolean[TLB_SIZE];
    final long[] largeMask = new long[TLB_SIZE];
    int largeEntries;
    int seenEpoch;

    private final byte[][] busBuffers = {new byte[1], new byte[2], null, new byte[4], null, null, null, new byte[8]};

    // Where the current LOCKed read-modify-write lives.
    private MemorySegment lockSeg;
    private long lockOff;
    private long lockLin;
    private int lockKind;

    public Mem(Cpu cpu, PhysMem phys) {
        this.cpu = cpu;
        this.phys = phys;
        this.paging = new Paging(cpu, this);
        flushAll();
    }

    public PhysMem phys() {
        return phys;
    }

    // ---- segmentation ----

    /** The linear address of {@code size} bytes at {@code off} in segment {@code seg}, checked. */
    public long linear(int seg, long off, int size, boolean write) {
        if (cpu.segFlat[seg]) {
            return cpu.segEff[seg] + off;
        }
        return checkedLinear(seg, off, size, write);
    }

    private long checkedLinear(int seg, long off, int size, boolean write) {
        int attr = cpu.segAttr[seg];
        int vector = seg == Cpu.SS ? GuestFault.SS : GuestFault.GP;
        if (cpu.pe()) {
            if ((attr & (1 << 16)) != 0 || (attr & 0x80) == 0) {
                throw cpu.raise(vector, 0);
            }
            int type = attr & 0xf;
            boolean code = (type & 8) != 0;
            if (write && (code || (type & 2) == 0)) {
                throw cpu.raise(vector, 0);
            }
            if (!write && code && (type & 2) == 0) {
                throw cpu.raise(vector, 0);
            }
            if (!code && (type & 4) != 0) {
                long upper = (attr & (1 << 14)) != 0 ? 0xffffffffL : 0xffff;
                long limit = cpu.segLimit[seg] & 0xffffffffL;
                if (off <= limit || off + size - 1 > upper) {
                    throw cpu.raise(vector, 0);
                }
                return (cpu.segBase[seg] + off) & 0xffffffffL;
            }
        }
        if (off + size - 1 > (cpu.segLimit[seg] & 0xffffffffL)) {
            throw cpu.raise(vector, 0);
        }
        return (cpu.segBase[seg] + off) & 0xffffffffL;
    }

    /** INVLPG's linear address: segmentation applies, but no limit or type check. */
    public long linearForInvlpg(int seg, long off) {
        long lin = cpu.segEff[seg] + off;
        return cpu.longMode64 ? lin : lin & 0xffffffffL;
    }

    // ---- virtual accesses ----

    public long read(int seg, long off, int size) {
        long lin = cpu.segFlat[seg] ? cpu.segEff[seg] + off : checkedLinear(seg, off, size, false);
        try {
            return readLin(lin, size, cpu.cpl == 3 ? 1 : 0);
        } catch (GuestFault f) {
            throw stackFault(f, seg);
        }
    }

    /**
     * Whether {@code size} bytes (up to 16) at {@code off} in segment {@code seg} are guest RAM that a
     * read reaches now without a fault or a device access: a flat segment and a TLB hit in one page.
     * A translated fast path that may still give up after its read (and run the handler, which reads
     * again) checks this first, so that a device register is never read twice.
     */
    public boolean readsRam(int seg, long off, int size) {
        if (!cpu.segFlat[seg]) {
            return false;
        }
        long lin = cpu.segEff[seg] + off;
        int i = (int) (lin >>> 12) & (TLB_SIZE - 1);
        return rTag[i] == ((lin & ~0xfffL) | (cpu.cpl == 3 ? 1 : 0)) && (lin & 0xfff) <= 4096 - size;
    }

    public void write(int seg, long off, int size, long v) {
        long lin = cpu.segFlat[seg] ? cpu.segEff[seg] + off : checkedLinear(seg, off, size, true);
        try {
            writeLin(lin, size, v, cpu.cpl == 3 ? 1 : 0);
        } catch (GuestFault f) {
            throw stackFault(f, seg);
        }
    }

    /** A non-canonical address through SS is #SS(0), not #GP(0). */
    private GuestFault stackFault(GuestFault f, int seg) {
        if (seg == Cpu.SS && f.vector == GuestFault.GP && f.errorCode == 0 && cpu.longMode64 && paging.nonCanonical) {
            return cpu.raise(GuestFault.SS, 0);
        }
        return f;
    }

    /** Checks that a write would succeed without doing it (multi-part stores, far calls). */
    public void probeWrite(int seg, long off, int size) {
        long lin = linear(seg, off, size, true);
        int user = cpu.cpl == 3 ? 1 : 0;
        // A write mapping in the TLB already proves the page writable in this mode (SSE stores and
        // pushes probe on every execution; a page walk each time was half of an SSE copy loop).
        if (writeMapped(lin, user) && ((lin & 0xfff) + size <= 4096 || writeMapped((lin | 0xfff) + 1, user))) {
            return;
        }
        paging.translate(lin, WRITE, user);
        if ((lin & 0xfff) + size > 4096) {
            paging.translate((lin | 0xfff) + 1, WRITE, user);
        }
    }

    private boolean writeMapped(long lin, int user) {
        return wTag[(int) (lin >>> 12) & (TLB_SIZE - 1)] == ((lin & ~0xfffL) | user);
    }

    /** A supervisor-mode (implicit) read: descriptor tables, TSS, IDT. */
    public long readSys(long lin, int size) {
        return readLin(lin, size, 0);
    }

    public void writeSys(long lin, int size, long v) {
        writeLin(lin, size, v, 0);
    }

    public long readLin(long lin, int size, int user) {
        int i = (int) (lin >>> 12) & (TLB_SIZE - 1);
        if (rTag[i] == ((lin & ~0xfffL) | user) && (lin & 0xfff) <= 4096 - size && size < 9
                && (size & (size - 1)) == 0) {
            return PhysMem.getRaw(hostAddr[i] + lin, size);
        }
        return readSlow(lin, size, user);
    }

    public void writeLin(long lin, int size, long v, int user) {
        int i = (int) (lin >>> 12) & (TLB_SIZE - 1);
        if (wTag[i] == ((lin & ~0xfffL) | user) && (lin & 0xfff) <= 4096 - size && size < 9
                && (size & (size - 1)) == 0) {
            PhysMem.putRaw(hostAddr[i] + lin, size, v);
            return;
        }
        writeSlow(lin, size, v, user);
    }

    /** The host segment of the last {@link #fastRead}/{@link #fastWrite} hit. */
    public MemorySegment fastSeg;

    /**
     * The offset in {@link #fastSeg} of linear {@code lin} when the TLB already maps its page
     * readable for this mode (bulk string operations), else -1. Nothing is filled or checked
     * beyond the tag.
     */
    public long fastRead(long lin) {
        int i = (int) (lin >>> 12) & (TLB_SIZE - 1);
        if (rTag[i] == ((lin & ~0xfffL) | (cpu.cpl == 3 ? 1 : 0))) {
            fastSeg = host[i];
            return hostOff[i] + lin;
        }
        return -1;
    }

    /** Like {@link #fastRead} for a write mapping (RAM, dirty, no decoded code). */
    public long fastWrite(long lin) {
        int i = (int) (lin >>> 12) & (TLB_SIZE - 1);
        if (wTag[i] == ((lin & ~0xfffL) | (cpu.cpl == 3 ? 1 : 0))) {
            fastSeg = host[i];
            return hostOff[i] + lin;
        }
        return -1;
    }

    private long readSlow(long lin, int size, int user) {
        if (!cpu.longMode64) {
            lin &= 0xffffffffL;
        }
        if ((lin & 0xfff) + size > 4096) {
            long pa0 = paging.translate(lin, READ, user);
            long lin1 = (lin | 0xfff) + 1;
            long pa1 = paging.translate(cpu.longMode64 ? lin1 : lin1 & 0xffffffffL, READ, user);
            int first = (int) (4096 - (lin & 0xfff));
            long lo = readPhys(pa0, first);
            long hi = readPhys(pa1, size - first);
            return lo | (hi << (first * 8));
        }
        return readPhys(paging.translate(lin, READ, user), size);
    }

    private void writeSlow(long lin, int size, long v, int user) {
        if (!cpu.longMode64) {
            lin &= 0xffffffffL;
        }
        if ((lin & 0xfff) + size > 4096) {
            long pa0 = paging.translate(lin, WRITE, user);
            long lin1 = (lin | 0xfff) + 1;
            long pa1 = paging.translate(cpu.longMode64 ? lin1 : lin1 & 0xffffffffL, WRITE, user);
            int first = (int) (4096 - (lin & 0xfff));
            writePhys(pa0, first, v);
            writePhys(pa1, size - first, v >>> (first * 8));
            return;
        }
        writePhys(paging.translate(lin, WRITE, user), size, v);
    }

    /** The physical address of a code byte (execute permission checked). */
    public long fetchPhys(long lin) {
        int user = cpu.cpl == 3 ? 1 : 0;
        int i = (int) (lin >>> 12) & (TLB_SIZE - 1);
        if (xTag[i] == ((lin & ~0xfffL) | user)) {
            return physPage[i] | (lin & 0xfff);
        }
        return paging.translate(cpu.longMode64 ? lin : lin & 0xffffffffL, FETCH, user);
    }

    // ---- physical accesses ----

    /** Reads 1-8 bytes (not crossing a page) of physical memory, RAM or MMIO. */
    public long readPhys(long pa, int size) {
        if (size == 3 || size > 4 && size < 8) {
            // The pieces of a page-crossing access: byte by byte, never wider than asked.
            long v = 0;
            for (int k = 0; k < size; k++) {
                v |= readPhys(pa + k, 1) << (8 * k);
            }
            return v;
        }
        int reg = phys.region(pa, size);
        if (reg >= 0) {
            return PhysMem.get(phys.segments[reg], pa - phys.starts[reg], size);
        }
        byte[] buf = busBuffers[size - 1];
        InterruptPort port = cpu.port;
        if (port != null && isApic(port, pa)) {
            port.registers().read(pa & 0xfff, buf);
        } else {
            phys.mmio.read(pa, buf);
        }
        long v = 0;
        for (int k = size - 1; k >= 0; k--) {
            v = (v << 8) | (buf[k] & 0xff);
        }
        return v;
    }

    public void writePhys(long pa, int size, long v) {
        if (size == 3 || size > 4 && size < 8) {
            for (int k = 0; k < size; k++) {
                writePhys(pa + k, 1, v >>> (8 * k));
            }
            return;
        }
        int reg = phys.region(pa, size);
        if (reg >= 0) {
            if (phys.isCodePage(pa)) {
                phys.invalidatePage(pa);
                cpu.stop = true;
            }
            PhysMem.put(phys.segments[reg], pa - phys.starts[reg], size, v);
            return;
        }
        byte[] buf = busBuffers[size - 1];
        for (int k = 0; k < size; k++) {
            buf[k] = (byte) (v >>> (8 * k));
        }
        InterruptPort port = cpu.port;
        if (port != null && isApic(port, pa)) {
            port.registers().write(pa & 0xfff, buf);
            if ((pa & 0xff0) == 0x300) {
                Msrs.yieldAfterIpi(cpu); // the ICR's low half sends
            }
        } else {
            phys.mmio.write(pa, buf);
        }
        // As after OUT: an interrupt the write raised (an IPI, EOI, a device's doorbell) is
        // taken before the next instruction.
        cpu.stop = true;
    }

    private static boolean isApic(InterruptPort port, long pa) {
        long base = port.apicBase();
        return (base & 0x800) != 0 && (base & 0x400) == 0 && (pa & ~0xfffL) == (base & 0xffffff000L);
    }

    // ---- LOCKed read-modify-write ----

    /** Reads the operand of a LOCKed RMW and remembers where it lives for {@link #lockedCas}. */
    public long lockedRead(int seg, long off, int size) {
        long lin = linear(seg, off, size, true);
        if (!cpu.longMode64) {
            lin &= 0xffffffffL;
        }
        int user = cpu.cpl == 3 ? 1 : 0;
        long pa = paging.translate(lin, WRITE, user);
        int reg = phys.region(pa, size);
        if (reg >= 0 && (lin & 0xfff) + size <= 4096 && ((pa & 7) + size <= 8)) {
            if (phys.isCodePage(pa)) {
                phys.invalidatePage(pa);
                cpu.stop = true;
            }
            lockSeg = phys.segments[reg];
            lockOff = pa - phys.starts[reg];
            lockKind = 0;
            return PhysMem.get(lockSeg, lockOff, size);
        }
        // Straddling or MMIO: one global lock stands in for the bus lock.
        if ((lin & 0xfff) + size > 4096) {
            paging.translate((lin | 0xfff) + 1, WRITE, user);
        }
        phys.splitLock.lock();
        lockLin = lin;
        lockKind = 1;
        return readLin(lin, size, user);
    }

    /** Completes a LOCKed RMW; false when another vCPU changed the operand (the caller retries). */
    public boolean lockedCas(int size, long expected, long update) {
        if (lockKind == 0) {
            return PhysMem.cas(lockSeg, lockOff, size, expected, update);
        }
        try {
            writeLin(lockLin, size, update, cpu.cpl == 3 ? 1 : 0);
        } finally {
            phys.splitLock.unlock();
        }
        return true;
    }

    /** Called when an exception left a LOCKed RMW half done (never with the lock held, but be safe). */
    public void releaseLock() {
        if (lockKind == 1 && phys.splitLock.isHeldByCurrentThread()) {
            phys.splitLock.unlock();
        }
        lockKind = 0;
    }

    // ---- TLB maintenance ----

    public void flushAll() {
        java.util.Arrays.fill(rTag, INVALID);
        java.util.Arrays.fill(wTag, INVALID);
        java.util.Arrays.fill(xTag, INVALID);
        java.util.Arrays.fill(global, false);
        java.util.Arrays.fill(largeMask, 0);
        largeEntries = 0;
    }

    /** CR3 write: drops all but global entries (when CR4.PGE). */
    public void flushNonGlobal() {
        if ((cpu.cr4 & Cpu.CR4_PGE) == 0) {
            flushAll();
            return;
        }
        for (int i = 0; i < TLB_SIZE; i++) {
            if (!global[i]) {
                rTag[i] = INVALID;
                wTag[i] = INVALID;
                xTag[i] = INVALID;
            }
        }
    }

    public void invlpg(long lin) {
        int i = (int) (lin >>> 12) & (TLB_SIZE - 1);
        rTag[i] = INVALID;
        wTag[i] = INVALID;
        xTag[i] = INVALID;
        if (largeEntries > 0) {
            for (int k = 0; k < TLB_SIZE; k++) {
                long m = largeMask[k];
                if (m != 0 && ((physTagOf(k) ^ lin) & ~m) == 0) {
                    rTag[k] = INVALID;
                    wTag[k] = INVALID;
                    xTag[k] = INVALID;
                }
            }
        }
    }

    private long physTagOf(int k) {
        long t = rTag[k] != INVALID ? rTag[k] : xTag[k] != INVALID ? xTag[k] : wTag[k];
        return t & ~0xfffL;
    }

    /** Write mappings must not survive a page becoming a code page (see PhysMem). */
    public void checkCodeEpoch() {
        int e = phys.codeEpoch.get();
        if (e != seenEpoch) {
            seenEpoch = e;
            java.util.Arrays.fill(wTag, INVALID);
        }
    }

    void fill(long lin, long pa, int user, boolean r, boolean w, boolean x, boolean isGlobal, long pageMask) {
        int i = (int) (lin >>> 12) & (TLB_SIZE - 1);
        long key = (lin & ~0xfffL) | user;
        long ppage = pa & ~0xfffL;
        int reg = phys.region(ppage, 4096);
        // Only native RAM gets a raw mapping; anything else (MMIO, a heap-backed test memory) is slow-path.
        boolean ram = reg >= 0 && phys.hostBase[reg] >= 0;
        rTag[i] = r && ram ? key : INVALID;
        wTag[i] = w && ram && !phys.isCodePage(ppage) ? key : INVALID;
        xTag[i] = x ? key : INVALID;
        if (ram) {
            host[i] = phys.segments[reg];
            hostOff[i] = (ppage - phys.starts[reg]) - (lin & ~0xfffL);
            hostAddr[i] = phys.hostBase[reg] + hostOff[i];
        }
        physPage[i] = ppage;
        global[i] = isGlobal;
        if (pageMask > 0xfff) {
            if (largeMask[i] == 0) {
                largeEntries++;
            }
            largeMask[i] = pageMask;
        } else if (largeMask[i] != 0) {
            largeMask[i] = 0;
            largeEntries--;
        }
    }
}
