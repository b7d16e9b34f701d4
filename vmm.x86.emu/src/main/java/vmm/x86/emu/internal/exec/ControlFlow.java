package vmm.x86.emu.internal.exec;

import static vmm.x86.emu.internal.exec.Operands.peek;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.Interrupts;
import vmm.x86.emu.internal.cpu.Segments;
import vmm.x86.emu.internal.cpu.TaskSwitch;
import vmm.x86.emu.internal.decode.Insn;

/** Near and far JMP/CALL/RET, Jcc, LOOP, JCXZ, IRET. */
final class ControlFlow {
    private static final Logger LOG = LoggerFactory.getLogger(ControlFlow.class);

    private ControlFlow() {
    }

    /** Sets the next RIP for a near branch, with the canonical (64-bit) or CS-limit check. */
    static void jump(Cpu c, long target, int size) {
        target = Operands.mask(target, size);
        if (c.longMode64) {
            if (!Interrupts.canonical(target)) {
                throw c.gp(0);
            }
        } else if (Long.compareUnsigned(target, c.segLimit[Cpu.CS] & 0xffffffffL) > 0) {
            throw c.gp(0);
        }
        c.nextRip = target;
    }

    static void jcc(Cpu c, Insn i) {
        if (Flags.cond(c, i.cc)) {
            jump(c, c.nextRip + i.imm, i.osz);
        }
    }

    static void callRel(Cpu c, Insn i) {
        long target = c.nextRip + i.imm;
        long ret = c.nextRip;
        jump(c, target, i.osz);
        Operands.push(c, i.osz, ret);
    }

    static void callRm(Cpu c, Insn i) {
        long target = Operands.readRm(c, i, i.osz);
        long ret = c.nextRip;
        jump(c, target, i.osz);
        Operands.push(c, i.osz, ret);
    }

    static void ret(Cpu c, Insn i) {
        long target = peek(c, i.osz, 0);
        jump(c, target, i.osz);
        Operands.setSp(c, c.r[4] + i.osz + i.imm);
    }

    static void loop(Cpu c, Insn i) {
        long count = Operands.mask(c.r[1] - 1, i.asz);
        c.setReg(1, i.asz, count);
        boolean taken = count != 0 && switch (i.sub) {
            case 0 -> !Flags.zf(c);
            case 1 -> Flags.zf(c);
            default -> true;
        };
        if (taken) {
            jump(c, c.nextRip + i.imm, i.osz);
        }
    }

    static void jcxz(Cpu c, Insn i) {
        if (Operands.mask(c.r[1], i.asz) == 0) {
            jump(c, c.nextRip + i.imm, i.osz);
        }
    }

    // ---- far transfers ----

    static void jmpFar(Cpu c, int sel, long offset) {
        if (TaskSwitch.isTaskTarget(c, sel)) {
            TaskSwitch.farTransfer(c, sel, false);
            return;
        }
        Segments.farJumpTarget(c, sel, offset);
    }

    static void callFar(Cpu c, int sel, long offset, int size) {
        if (TaskSwitch.isTaskTarget(c, sel)) {
            TaskSwitch.farTransfer(c, sel, true);
            return;
        }
        int oldCs = c.segSel[Cpu.CS];
        long ret = c.nextRip;
        long sp = c.r[4];
        c.mem.probeWrite(Cpu.SS, Operands.mask(sp - 2L * size, c.stackSize), 2 * size);
        long savedRip = c.nextRip;
        Segments.farJumpTarget(c, sel, offset);
        long target = c.nextRip;
        c.nextRip = savedRip;
        Operands.push(c, size, oldCs);
        Operands.push(c, size, ret);
        c.nextRip = target;
    }

    /** Reads a far pointer (offset then selector) from memory. */
    static void farMem(Cpu c, Insn i, boolean call) {
        long ea = Operands.ea(c, i);
        long offset = c.mem.read(i.seg, ea, i.osz);
        int sel = (int) c.mem.read(i.seg, Operands.mask(ea + i.osz, i.asz), 2);
        if (call) {
            callFar(c, sel, offset, i.osz);
        } else {
            jmpFar(c, sel, offset);
        }
    }

    static void retf(Cpu c, Insn i) {
        int size = i.osz;
        long ip = peek(c, size, 0);
        int cs = (int) peek(c, size, size) & 0xffff;
        if (!c.pe()) {
            Segments.loadReal(c, Cpu.CS, cs);
            c.nextRip = ip & 0xffff;
            Operands.setSp(c, c.r[4] + 2L * size + i.imm);
            return;
        }
        int oldCpl = c.cpl;
        if ((cs & 3) > oldCpl) {
            long nsp = peek(c, size, 2 * size + (int) i.imm);
            int nss = (int) peek(c, size, 3 * size + (int) i.imm) & 0xffff;
            Segments.returnToCode(c, cs, ip);
            Segments.returnStack(c, nss);
            Operands.setSp(c, nsp + i.imm);
            Segments.nullifyForOuter(c);
        } else {
            Segments.returnToCode(c, cs, ip);
            Operands.setSp(c, c.r[4] + 2L * size + i.imm);
        }
        c.nextRip = c.longMode64 ? ip : ip & 0xffffffffL;
    }

    static void iret(Cpu c, Insn i) {
        int size = i.osz;
        long ip = peek(c, size, 0);
        int cs = (int) peek(c, size, size) & 0xffff;
        long fl = peek(c, size, 2 * size);
        if (!c.pe()) {
            Segments.loadReal(c, Cpu.CS, cs);
            Operands.setSp(c, c.r[4] + 3L * size);
            StackOps.writeFlags(c, fl, size, 0, true);
            c.nextRip = ip & (size == 2 ? 0xffff : 0xffffffffL);
            c.nmiBlocked = false;
            return;
        }
        if (!c.lma() && (c.flagsHi & Flags.NT) != 0) {
            TaskSwitch.iretToPrevious(c);
            c.nmiBlocked = false;
            return;
        }
        if (!c.lma() && (fl & Flags.VM) != 0 && c.cpl == 0) {
            LOG.warn("vCPU {}: IRET to virtual-8086 mode is not implemented, #GP", c.index);
            throw c.gp(0);
        }
        int oldCpl = c.cpl;
        boolean popStack = c.longMode64 || (cs & 3) > oldCpl;
        long nsp = 0;
        int nss = 0;
        if (popStack) {
            nsp = peek(c, size, 3 * size);
            nss = (int) peek(c, size, 4 * size) & 0xffff;
        }
        long oldSp = c.r[4];
        Segments.returnToCode(c, cs, ip);
        if (c.longMode64 && !Interrupts.canonical(ip)) {
            throw c.gp(0);
        }
        if (popStack) {
            Segments.returnStack(c, nss);
            c.r[4] = switch (c.stackSize) {
                case 2 -> (oldSp & ~0xffffL) | (nsp & 0xffff);
                case 4 -> nsp & 0xffffffffL;
                default -> nsp;
            };
        } else {
            c.r[4] = oldSp;
            Operands.setSp(c, oldSp + 3L * size);
        }
        StackOps.writeFlags(c, fl, size, oldCpl, true);
        if (c.cpl > oldCpl) {
            Segments.nullifyForOuter(c);
        }
        c.nextRip = c.longMode64 ? ip : ip & 0xffffffffL;
        c.nmiBlocked = false;
    }
}
