package vmm.x86.emu.internal.exec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Mem;
import vmm.x86.emu.internal.cpu.PhysMem;

/**
 * REP MOVS and REP STOS through flat segments, a page at a time straight on the host memory,
 * when the TLB already maps the pages (else the caller's element-by-element path runs, which
 * fills the TLB). Overlapping moves whose element-by-element result differs from a memmove are
 * left to that path: a forward MOVS onto a destination just above its source repeats a
 * pattern, and so does a backward one onto a destination just below.
 */
final class Bulk {
    private Bulk() {
    }

    /** Copies or stores up to {@code count} elements; returns how many it did (RSI/RDI updated). */
    static long forward(Cpu c, int kind, int size, int asz, int srcSeg, long count) {
        if (!c.segFlat[Cpu.ES] || (kind == 0 && !c.segFlat[srcSeg]) || asz == 2) {
            return 0;
        }
        Mem mem = c.mem;
        long total = 0;
        while (count > 0) {
            long di = Operands.mask(c.r[7], asz);
            long dLin = c.segEff[Cpu.ES] + di;
            int room = (int) (4096 - (dLin & 0xfff)) / size;
            long si = 0;
            long sLin = 0;
            if (kind == 0) {
                si = Operands.mask(c.r[6], asz);
                sLin = c.segEff[srcSeg] + si;
                room = Math.min(room, (int) (4096 - (sLin & 0xfff)) / size);
            }
            long n = Math.min(room, count);
            if (n <= 0 || (asz == 4 && (di + n * size > 0x1_0000_0000L || si + n * size > 0x1_0000_0000L))) {
                return total;
            }
            long dOff = mem.fastWrite(dLin);
            if (dOff < 0) {
                return total;
            }
            MemorySegment dSeg = mem.fastSeg;
            long bytes = n * size;
            if (kind == 2) {
                store(dSeg, dOff, n, size, c.r[0]);
            } else {
                long sOff = mem.fastRead(sLin);
                if (sOff < 0 || Math.abs(dLin - sLin) < bytes) {
                    return total;
                }
                MemorySegment.copy(mem.fastSeg, ValueLayout.JAVA_BYTE, sOff, dSeg, ValueLayout.JAVA_BYTE, dOff, bytes);
                c.setReg(6, asz, si + bytes);
            }
            c.setReg(7, asz, di + bytes);
            count -= n;
            total += n;
        }
        return total;
    }

    /**
     * The same with DF set: elements from RDI (and RSI) downwards, as Linux's boot stub copies
     * the compressed kernel (14 MB by {@code std; rep movsq}).
     */
    static long backward(Cpu c, int kind, int size, int asz, int srcSeg, long count) {
        if (!c.segFlat[Cpu.ES] || (kind == 0 && !c.segFlat[srcSeg]) || asz == 2) {
            return 0;
        }
        Mem mem = c.mem;
        long total = 0;
        while (count > 0) {
            long di = Operands.mask(c.r[7], asz);
            long dLin = c.segEff[Cpu.ES] + di;
            if ((dLin & 0xfff) + size > 4096) {
                return total;
            }
            long room = (dLin & 0xfff) / size + 1;
            long si = 0;
            long sLin = 0;
            if (kind == 0) {
                si = Operands.mask(c.r[6], asz);
                sLin = c.segEff[srcSeg] + si;
                if ((sLin & 0xfff) + size > 4096) {
                    return total;
                }
                room = Math.min(room, (sLin & 0xfff) / size + 1);
            }
            long n = Math.min(room, count);
            long span = (n - 1) * size;
            // The chunk's lowest element: no wrap below address 0 (the element path does that).
            if (di < span || kind == 0 && si < span) {
                return total;
            }
            long bytes = n * size;
            long dOff = mem.fastWrite(dLin - span);
            if (dOff < 0) {
                return total;
            }
            MemorySegment dSeg = mem.fastSeg;
            if (kind == 2) {
                store(dSeg, dOff, n, size, c.r[0]);
            } else {
                long sOff = mem.fastRead(sLin - span);
                if (sOff < 0 || dLin < sLin && sLin - dLin < bytes) {
                    return total;
                }
                MemorySegment.copy(mem.fastSeg, ValueLayout.JAVA_BYTE, sOff, dSeg, ValueLayout.JAVA_BYTE, dOff, bytes);
                c.setReg(6, asz, si - bytes);
            }
            c.setReg(7, asz, di - bytes);
            count -= n;
            total += n;
        }
        return total;
    }

    /** STOS's part of a chunk: n elements of {@code size} bytes of {@code v} from {@code off} up. */
    private static void store(MemorySegment seg, long off, long n, int size, long v) {
        if (size == 1) {
            seg.asSlice(off, n).fill((byte) v);
            return;
        }
        for (long k = 0; k < n; k++) {
            PhysMem.put(seg, off + k * size, size, v);
        }
    }
}
