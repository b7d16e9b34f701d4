package vmm.x86.emu.internal.exec;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;

/** IN and OUT with the I/O privilege check (IOPL, then the TSS I/O permission bitmap). */
final class Io {
    private Io() {
    }

    static void check(Cpu c, int port, int size) {
        if (!c.pe() || c.cpl <= c.iopl()) {
            return;
        }
        int trType = c.segAttr[Cpu.TR] & 0xf;
        // Only a 32/64-bit TSS has a bitmap; its offset sits at 0x66.
        if ((c.segAttr[Cpu.TR] & (1 << 16)) != 0 || (trType != 9 && trType != 11) || c.segLimit[Cpu.TR] < 0x67) {
            throw c.gp(0);
        }
        long base = c.segBase[Cpu.TR];
        int mapOffset = (int) c.mem.readSys(base + 0x66, 2);
        int byteOff = mapOffset + (port >> 3);
        if (byteOff + 1 > c.segLimit[Cpu.TR]) {
            throw c.gp(0);
        }
        int bits = (int) c.mem.readSys(base + byteOff, 2);
        int mask = ((1 << size) - 1) << (port & 7);
        if ((bits & mask) != 0) {
            throw c.gp(0);
        }
    }

    static long in(Cpu c, int port, int size) {
        byte[] buf = c.ioBuf[size - 1];
        c.pio.read(port, buf);
        long v = 0;
        for (int k = size - 1; k >= 0; k--) {
            v = (v << 8) | (buf[k] & 0xff);
        }
        return v;
    }

    static void out(Cpu c, int port, int size, long v) {
        byte[] buf = c.ioBuf[size - 1];
        for (int k = 0; k < size; k++) {
            buf[k] = (byte) (v >>> (8 * k));
        }
        c.pio.write(port, buf);
        // The device may have raised an interrupt or asked for an exit: the vCPU loop looks
        // before the next instruction.
        c.stop = true;
    }

    static void inOut(Cpu c, Insn i, boolean isIn) {
        int port = i.cc == 1 ? (int) i.imm : (int) c.r[2] & 0xffff;
        int size = i.osz;
        check(c, port, size);
        if (isIn) {
            c.setReg(0, size, in(c, port, size));
        } else {
            out(c, port, size, c.r[0]);
        }
    }

    /** MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS, with REP/REPE/REPNE run in chunks. */
    static void string(Cpu c, Insn i) {
        int kind = i.sub;
        int size = i.osz;
        int asz = i.asz;
        long delta = (c.flagsHi & Flags.DF) != 0 ? -size : size;
        int srcSeg = i.segOverride ? i.seg : Cpu.DS;
        if (kind >= 5) {
            check(c, (int) c.r[2] & 0xffff, size);
        }
        boolean rep = i.rep != 0;
        long count = rep ? Operands.mask(c.r[1], asz) : 1;
        int budget = 16384;
        while (count != 0) {
            if (count > 1 && (kind == 0 || kind == 2)) {
                long done = delta > 0 ? Bulk.forward(c, kind, size, asz, srcSeg, count)
                        : Bulk.backward(c, kind, size, asz, srcSeg, count);
                if (done > 0) {
                    count -= done;
                    c.setReg(1, asz, count);
                    budget -= (int) Math.min(budget - 1, done / 8);
                    if (count == 0) {
                        return;
                    }
                }
            }
            long si = Operands.mask(c.r[6], asz);
            long di = Operands.mask(c.r[7], asz);
            switch (kind) {
                case 0 -> {
                    long v = c.mem.read(srcSeg, si, size);
                    c.mem.write(Cpu.ES, di, size, v);
                    c.setReg(6, asz, si + delta);
                    c.setReg(7, asz, di + delta);
                }
                case 1 -> {
                    long a = c.mem.read(srcSeg, si, size);
                    long b = c.mem.read(Cpu.ES, di, size);
                    c.setReg(6, asz, si + delta);
                    c.setReg(7, asz, di + delta);
                    Operands.setFlags(c, Flags.SUB, a, b, a - b, size);
                }
                case 2 -> {
                    c.mem.write(Cpu.ES, di, size, c.r[0]);
                    c.setReg(7, asz, di + delta);
                }
                case 3 -> {
                    long v = c.mem.read(srcSeg, si, size);
                    c.setReg(0, size, v);
                    c.setReg(6, asz, si + delta);
                }
                case 4 -> {
                    long a = c.reg(0, size);
                    long b = c.mem.read(Cpu.ES, di, size);
                    c.setReg(7, asz, di + delta);
                    Operands.setFlags(c, Flags.SUB, a, b, a - b, size);
                }
                case 5 -> {
                    c.mem.probeWrite(Cpu.ES, di, size);
                    long v = in(c, (int) c.r[2] & 0xffff, size);
                    c.mem.write(Cpu.ES, di, size, v);
                    c.setReg(7, asz, di + delta);
                }
                default -> {
                    long v = c.mem.read(srcSeg, si, size);
                    out(c, (int) c.r[2] & 0xffff, size, v);
                    c.setReg(6, asz, si + delta);
                }
            }
            if (!rep) {
                return;
            }
            count--;
            c.setReg(1, asz, count);
            if (kind == 1 || kind == 4) {
                boolean zf = Flags.zf(c);
                if ((i.rep == 0xf3 && !zf) || (i.rep == 0xf2 && zf)) {
                    return;
                }
            }
            if (--budget == 0 && count != 0) {
                // Come back to this instruction after the block loop has looked at events; the
                // rest of the block must not run in between.
                c.nextRip = c.rip;
                c.stop = true;
                return;
            }
        }
    }
}
