package vmm.x86.emu.internal.exec;

import static vmm.x86.emu.internal.exec.Operands.pop;
import static vmm.x86.emu.internal.exec.Operands.push;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.GuestFault;
import vmm.x86.emu.internal.cpu.Segments;
import vmm.x86.emu.internal.decode.Insn;

/** PUSH/POP in their forms, PUSHA/POPA, PUSHF/POPF (with the privilege masks), ENTER, LEAVE. */
final class StackOps {
    private StackOps() {
    }

    static void popRm(Cpu c, Insn i) {
        long v = Operands.peek(c, i.osz, 0);
        if (i.mem) {
            // The address is computed with RSP already incremented (SDM: POP r/m).
            long saved = c.r[4];
            Operands.setSp(c, c.r[4] + i.osz);
            try {
                c.mem.write(i.seg, Operands.ea(c, i), i.osz, v);
            } catch (GuestFault f) {
                c.r[4] = saved;
                throw f;
            }
        } else {
            Operands.setSp(c, c.r[4] + i.osz);
            c.setReg(i.rm, i.osz, v);
        }
    }

    static void pushSeg(Cpu c, Insn i) {
        int size = i.osz;
        long v = c.segSel[i.sub];
        // A 32-bit push of a segment register writes only the low 16 bits on recent CPUs.
        long sp = Operands.mask(c.r[4] - size, c.stackSize);
        c.mem.write(Cpu.SS, sp, size == 2 ? 2 : 2, v);
        if (size > 2) {
            c.mem.probeWrite(Cpu.SS, sp, size);
        }
        Operands.setSp(c, sp);
    }

    static void popSeg(Cpu c, Insn i) {
        long v = Operands.peek(c, i.osz, 0);
        Segments.load(c, i.sub, (int) v & 0xffff);
        Operands.setSp(c, c.r[4] + i.osz);
        if (i.sub == Cpu.SS) {
            c.interruptShadow = true;
            c.stop = true;
        }
    }

    static void pusha(Cpu c, Insn i) {
        int size = i.osz;
        long sp = c.r[4];
        long base = Operands.mask(sp - 8L * size, c.stackSize);
        c.mem.probeWrite(Cpu.SS, base, 8 * size);
        for (int k = 0; k < 8; k++) {
            long v = k == 4 ? sp : c.r[k];
            c.mem.write(Cpu.SS, Operands.mask(sp - (k + 1L) * size, c.stackSize), size, v);
        }
        Operands.setSp(c, base);
    }

    static void popa(Cpu c, Insn i) {
        int size = i.osz;
        long[] v = new long[8];
        for (int k = 0; k < 8; k++) {
            v[7 - k] = Operands.peek(c, size, k * size);
        }
        for (int k = 0; k < 8; k++) {
            if (k != 4) {
                c.setReg(k, size, v[k]);
            }
        }
        Operands.setSp(c, c.r[4] + 8L * size);
    }

    static void pushf(Cpu c, Insn i) {
        // VM and RF are never pushed as set.
        push(c, i.osz, c.rflags() & ~(Flags.VM | Flags.RF));
    }

    static void popf(Cpu c, Insn i) {
        long v = Operands.peek(c, i.osz, 0);
        Operands.setSp(c, c.r[4] + i.osz);
        writeFlags(c, v, i.osz, c.cpl, false);
    }

    /** POPF/IRET flag rules: IOPL only at CPL 0, IF only when CPL <= IOPL; VM, VIP, VIF kept. */
    static void writeFlags(Cpu c, long v, int size, int cpl, boolean iret) {
        long mask = Flags.ARITH | Flags.TF | Flags.DF | Flags.NT | Flags.AC | Flags.ID;
        if (iret) {
            mask |= Flags.RF;
        }
        if (cpl == 0) {
            mask |= Flags.IOPL | Flags.IF;
        } else if (cpl <= c.iopl()) {
            mask |= Flags.IF;
        }
        if (size == 2) {
            mask &= 0xffff;
        }
        long old = c.rflags();
        c.setRflags((old & ~mask) | (v & mask));
        c.stop = true;
    }

    static void enter(Cpu c, Insn i) {
        int size = i.osz;
        int level = (int) i.imm2 & 31;
        long frameTemp = Operands.mask(c.r[4] - size, c.stackSize);
        long total = size * (level + 1L) + i.imm;
        c.mem.probeWrite(Cpu.SS, Operands.mask(c.r[4] - total, c.stackSize), (int) Math.min(total, 65536));
        push(c, size, c.r[5]);
        if (level > 0) {
            long bp = c.r[5];
            for (int k = 1; k < level; k++) {
                bp = Operands.mask(bp - size, c.stackSize);
                push(c, size, c.mem.read(Cpu.SS, bp, size));
            }
            push(c, size, frameTemp);
        }
        c.setReg(5, c.stackSize == 2 ? 2 : c.stackSize == 4 ? 4 : 8, frameTemp);
        if (size == 2 && c.stackSize != 2) {
            c.setReg(5, 2, frameTemp);
        }
        Operands.setSp(c, c.r[4] - i.imm);
    }

    static void leave(Cpu c, Insn i) {
        long bp = Operands.mask(c.r[5], c.stackSize);
        long v = c.mem.read(Cpu.SS, bp, i.osz);
        Operands.setSp(c, bp + i.osz);
        c.setReg(5, i.osz, v);
    }

    static void pushR(Cpu c, Insn i) {
        push(c, i.osz, c.reg(i.rm, i.osz));
    }

    static void popR(Cpu c, Insn i) {
        long v = pop(c, i.osz);
        c.setReg(i.rm, i.osz, v);
    }
}
