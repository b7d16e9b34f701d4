package vmm.x86.emu.internal.exec;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.Interrupts;
import vmm.x86.emu.internal.decode.Insn;

/** SYSCALL/SYSRET (with EFER.SCE) and SYSENTER/SYSEXIT: flat segments from the MSRs. */
final class FastCalls {
    /** Flat segment attributes in VMX layout: present, S, granular, plus type and DPL. */
    static final int CODE64 = 0xb | 0x10 | 0x80 | (1 << 13) | (1 << 15);
    static final int CODE32 = 0xb | 0x10 | 0x80 | (1 << 14) | (1 << 15);
    static final int DATA = 0x3 | 0x10 | 0x80 | (1 << 14) | (1 << 15);

    private FastCalls() {
    }

    static void syscall(Cpu c) {
        if ((c.efer & Cpu.EFER_SCE) == 0 || !c.pe()) {
            throw c.ud();
        }
        int sel = (int) (c.star >>> 32) & 0xfffc;
        long flags = c.rflags();
        c.cpl = 0;
        if (c.lma()) {
            c.r[1] = c.nextRip;
            c.r[11] = flags & ~Flags.RF;
            boolean from64 = c.longMode64;
            c.setSegment(Cpu.CS, sel, 0, -1, CODE64);
            c.setSegment(Cpu.SS, sel + 8, 0, -1, DATA);
            c.setRflags(flags & ~c.sfmask & ~Flags.RF);
            c.nextRip = from64 ? c.lstar : c.cstar;
        } else {
            c.r[1] = c.nextRip & 0xffffffffL;
            c.setSegment(Cpu.CS, sel, 0, -1, CODE32);
            c.setSegment(Cpu.SS, sel + 8, 0, -1, DATA);
            c.setRflags(flags & ~(Flags.VM | Flags.IF | Flags.RF));
            c.nextRip = c.star & 0xffffffffL;
        }
        c.stepByEndTf = (c.flagsHi & Flags.TF) != 0 ? 2 : 1;
        c.stop = true;
    }

    static void sysret(Cpu c, Insn i) {
        if ((c.efer & Cpu.EFER_SCE) == 0 || !c.pe()) {
            throw c.ud();
        }
        if (c.cpl != 0) {
            throw c.gp(0);
        }
        int base = (int) (c.star >>> 48) & 0xffff;
        if (c.lma()) {
            boolean to64 = i.osz == 8;
            long target = to64 ? c.r[1] : c.r[1] & 0xffffffffL;
            if (!Interrupts.canonical(target)) {
                throw c.gp(0);
            }
            c.cpl = 3;
            c.setSegment(Cpu.SS, (base + 8) | 3, 0, -1, DATA | (3 << 5));
            if (to64) {
                c.setSegment(Cpu.CS, (base + 16) | 3, 0, -1, CODE64 | (3 << 5));
            } else {
                c.setSegment(Cpu.CS, base | 3, 0, -1, CODE32 | (3 << 5));
            }
            c.setRflags((c.r[11] & 0x3c7fd7L) | 2);
            c.nextRip = target;
        } else {
            c.cpl = 3;
            c.setSegment(Cpu.SS, (base + 8) | 3, 0, -1, DATA | (3 << 5));
            c.setSegment(Cpu.CS, base | 3, 0, -1, CODE32 | (3 << 5));
            c.flagsHi |= Flags.IF;
            c.nextRip = c.r[1] & 0xffffffffL;
        }
        c.stepByEndTf = (c.flagsHi & Flags.TF) != 0 ? 2 : 1;
        c.stop = true;
    }

    static void sysenter(Cpu c) {
        int sel = (int) c.sysenterCs & 0xfffc;
        if (!c.pe() || sel == 0) {
            throw c.gp(0);
        }
        c.cpl = 0;
        c.setSegment(Cpu.CS, sel, 0, -1, c.lma() ? CODE64 : CODE32);
        c.setSegment(Cpu.SS, sel + 8, 0, -1, DATA);
        c.flagsHi &= ~(Flags.VM | Flags.IF | Flags.RF);
        c.r[4] = c.lma() ? c.sysenterEsp : c.sysenterEsp & 0xffffffffL;
        c.nextRip = c.lma() ? c.sysenterEip : c.sysenterEip & 0xffffffffL;
        c.stop = true;
    }

    static void sysexit(Cpu c, Insn i) {
        int sel = (int) c.sysenterCs & 0xfffc;
        if (!c.pe() || sel == 0 || c.cpl != 0) {
            throw c.gp(0);
        }
        boolean to64 = i.osz == 8;
        c.cpl = 3;
        if (to64) {
            c.setSegment(Cpu.CS, (sel + 32) | 3, 0, -1, CODE64 | (3 << 5));
            c.setSegment(Cpu.SS, (sel + 40) | 3, 0, -1, DATA | (3 << 5));
            c.r[4] = c.r[1];
            c.nextRip = c.r[2];
        } else {
            c.setSegment(Cpu.CS, (sel + 16) | 3, 0, -1, CODE32 | (3 << 5));
            c.setSegment(Cpu.SS, (sel + 24) | 3, 0, -1, DATA | (3 << 5));
            c.r[4] = c.r[1] & 0xffffffffL;
            c.nextRip = c.r[2] & 0xffffffffL;
        }
        c.stop = true;
    }
}
