package vmm.x86.emu.internal.exec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Mem;
import vmm.x86.emu.internal.cpu.PhysMem;

/**
 * REP MOVS and REP STOS going forward through flat segments, a page at a time straight on the
 * host memory, when the TLB already maps the pages (else the caller's element-by-element path
 * runs, which fills the TLB). Overlapping moves closer than the chunk are left to that path,
 * since a forward MOVS repeats a pattern where a memmove would not.
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
                long v = c.r[0];
                if (size == 1) {
                    dSeg.asSlice(dOff, bytes).fill((byte) v);
                } else {
                    for (long k = 0; k < n; k++) {
                        PhysMem.put(dSeg, dOff + k * size, size, v);
                    }
                }
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
}
