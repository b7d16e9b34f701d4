package vmm.x86.emu.internal.exec;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;

/** Operand access shared by the instruction families: effective addresses, r/m, the stack. */
final class Operands {
    private Operands() {
    }

    static long ea(Cpu c, Insn i) {
        long a = i.disp;
        if (i.base >= 0) {
            a += c.r[i.base];
        }
        if (i.index >= 0) {
            a += c.r[i.index] << i.scale;
        }
        if (i.ripRel) {
            a += c.nextRip;
        }
        return mask(a, i.asz);
    }

    static long mask(long a, int size) {
        return switch (size) {
            case 1 -> a & 0xff;
            case 2 -> a & 0xffff;
            case 4 -> a & 0xffffffffL;
            default -> a;
        };
    }

    static long readRm(Cpu c, Insn i, int size) {
        return i.mem ? c.mem.read(i.seg, ea(c, i), size) : c.reg(i.rm, size);
    }

    static void writeRm(Cpu c, Insn i, int size, long v) {
        if (i.mem) {
            c.mem.write(i.seg, ea(c, i), size, v);
        } else {
            c.setReg(i.rm, size, v);
        }
    }

    static void setFlags(Cpu c, int op, long dst, long src, long res, int size) {
        c.fOp = op;
        c.fDst = dst;
        c.fSrc = src;
        c.fRes = res;
        c.fSize = size;
    }

    // ---- stack ----

    static long sp(Cpu c) {
        return mask(c.r[4], c.stackSize);
    }

    static void setSp(Cpu c, long v) {
        switch (c.stackSize) {
            case 2 -> c.r[4] = (c.r[4] & ~0xffffL) | (v & 0xffff);
            case 4 -> c.r[4] = v & 0xffffffffL;
            default -> c.r[4] = v;
        }
    }

    static void push(Cpu c, int size, long v) {
        long sp = mask(c.r[4] - size, c.stackSize);
        c.mem.write(Cpu.SS, sp, size, v);
        setSp(c, sp);
    }

    /** Reads the top of the stack without moving RSP (so a fault leaves RSP alone). */
    static long peek(Cpu c, int size, int offset) {
        return c.mem.read(Cpu.SS, mask(c.r[4] + offset, c.stackSize), size);
    }

    static long pop(Cpu c, int size) {
        long v = peek(c, size, 0);
        setSp(c, c.r[4] + size);
        return v;
    }

    static boolean cond(Cpu c, int cc) {
        return Flags.cond(c, cc);
    }
}
