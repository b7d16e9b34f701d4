package vmm.x86.emu.internal.exec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.x86.emu.internal.cpu.Breakpoints;
import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.GuestFault;
import vmm.x86.emu.internal.cpu.Interrupts;
import vmm.x86.emu.internal.cpu.Segments;
import vmm.x86.emu.internal.decode.Insn;

/**
 * Control registers, descriptor-table registers, LDTR/TR, LAR/LSL/VERR/VERW, CLI/STI/HLT and
 * the other privileged instructions. Debug registers are stored and read back; instruction
 * breakpoints fire ({@code Breakpoints}), data and I/O breakpoints do not.
 */
final class SystemOps {
    private static final Logger LOG = LoggerFactory.getLogger(SystemOps.class);
    private static volatile boolean dataBreakpointsLogged;

    private SystemOps() {
    }

    static void requireCpl0(Cpu c) {
        if (c.cpl != 0) {
            throw c.gp(0);
        }
    }

    static void cli(Cpu c) {
        if (c.pe() && c.cpl > c.iopl()) {
            throw c.gp(0);
        }
        c.flagsHi &= ~Flags.IF;
    }

    static void sti(Cpu c) {
        if (c.pe() && c.cpl > c.iopl()) {
            throw c.gp(0);
        }
        if ((c.flagsHi & Flags.IF) == 0) {
            c.interruptShadow = true;
        }
        c.flagsHi |= Flags.IF;
        c.stop = true;
    }

    static void hlt(Cpu c) {
        requireCpl0(c);
        c.halted = true;
        c.stop = true;
    }

    static void movCr(Cpu c, Insn i) {
        requireCpl0(c);
        int cr = i.reg;
        boolean write = i.cc != 0;
        if (!write) {
            long v = switch (cr) {
                case 0 -> c.cr0;
                case 2 -> c.cr2;
                case 3 -> c.cr3;
                case 4 -> c.cr4;
                case 8 -> c.port != null ? c.port.cr8() : c.cr8NoPort;
                default -> throw c.ud();
            };
            c.setReg(i.rm, i.osz, v);
            return;
        }
        long v = c.reg(i.rm, i.osz);
        switch (cr) {
            case 0 -> writeCr0(c, v);
            case 2 -> c.cr2 = v;
            case 3 -> {
                if (c.lma() && (v >>> 52) != 0) {
                    throw c.gp(0);
                }
                c.cr3 = v;
                c.mem.flushNonGlobal();
            }
            case 4 -> writeCr4(c, v);
            case 8 -> {
                if ((v & ~0xfL) != 0) {
                    throw c.gp(0);
                }
                if (c.port != null) {
                    c.port.setCr8((int) v);
                } else {
                    c.cr8NoPort = v;
                }
            }
            default -> throw c.ud();
        }
        c.stop = true;
    }

    static void writeCr0(Cpu c, long v) {
        if ((v >>> 32) != 0) {
            throw c.gp(0);
        }
        v |= Cpu.CR0_ET;
        if ((v & Cpu.CR0_PG) != 0 && (v & Cpu.CR0_PE) == 0) {
            throw c.gp(0);
        }
        if ((v & Cpu.CR0_NW) != 0 && (v & Cpu.CR0_CD) == 0) {
            throw c.gp(0);
        }
        boolean pgOn = (v & Cpu.CR0_PG) != 0 && !c.paging();
        boolean pgOff = (v & Cpu.CR0_PG) == 0 && c.paging();
        if (pgOn && (c.efer & Cpu.EFER_LME) != 0) {
            if ((c.cr4 & Cpu.CR4_PAE) == 0 || (c.segAttr[Cpu.CS] & (1 << 13)) != 0) {
                throw c.gp(0);
            }
            c.efer |= Cpu.EFER_LMA;
        }
        if (pgOff && c.lma()) {
            if (c.longMode64) {
                throw c.gp(0);
            }
            c.efer &= ~Cpu.EFER_LMA;
        }
        long changed = v ^ c.cr0;
        c.cr0 = v;
        if ((changed & (Cpu.CR0_PG | Cpu.CR0_WP | Cpu.CR0_PE)) != 0) {
            c.mem.flushAll();
        }
        if ((changed & Cpu.CR0_PE) != 0 && (v & Cpu.CR0_PE) == 0) {
            c.cpl = 0;
        }
        c.updateMode();
    }

    static void writeCr4(Cpu c, long v) {
        long allowed = Cpu.CR4_TSD | Cpu.CR4_DE | Cpu.CR4_PSE | Cpu.CR4_PAE | Cpu.CR4_MCE | Cpu.CR4_PGE | Cpu.CR4_PCE
                | Cpu.CR4_OSFXSR | Cpu.CR4_OSXMMEXCPT;
        if ((v & ~allowed) != 0) {
            throw c.gp(0);
        }
        if (c.lma() && (v & Cpu.CR4_PAE) == 0) {
            throw c.gp(0);
        }
        long changed = v ^ c.cr4;
        c.cr4 = v;
        if ((changed & (Cpu.CR4_PSE | Cpu.CR4_PAE | Cpu.CR4_PGE)) != 0) {
            c.mem.flushAll();
        }
    }

    static void movDr(Cpu c, Insn i) {
        requireCpl0(c);
        int dr = i.reg;
        if (dr > 7) {
            throw c.ud();
        }
        if ((dr == 4 || dr == 5)) {
            if ((c.cr4 & Cpu.CR4_DE) != 0) {
                throw c.ud();
            }
            dr += 2;
        }
        if (i.cc == 0) {
            long v = c.dr[dr];
            if (dr == 6) {
                v |= 0xffff0ff0L;
            } else if (dr == 7) {
                v |= 0x400;
            }
            c.setReg(i.rm, i.osz, v);
        } else {
            long v = c.reg(i.rm, i.osz);
            if ((dr == 6 || dr == 7) && (v >>> 32) != 0) {
                throw c.gp(0);
            }
            c.dr[dr] = v;
            if (dr == 7) {
                if (Breakpoints.anyData(v) && !dataBreakpointsLogged) {
                    dataBreakpointsLogged = true;
                    LOG.warn("vCPU {}: DR7 0x{} enables a data or I/O breakpoint: not implemented, it never fires",
                            c.index, Long.toHexString(v));
                }
                c.stop = true; // the vCPU loop looks at the breakpoints again before the next instruction
            }
        }
    }

    static void group6(Cpu c, Insn i) {
        if (!c.pe()) {
            throw c.ud();
        }
        switch (i.sub) {
            case 0, 1 -> {
                int sel = c.segSel[i.sub == 0 ? Cpu.LDTR : Cpu.TR];
                if (i.mem) {
                    c.mem.write(i.seg, Operands.ea(c, i), 2, sel);
                } else {
                    c.setReg(i.rm, i.osz, sel);
                }
            }
            case 2 -> lldt(c, (int) Operands.readRm(c, i, 2));
            case 3 -> ltr(c, (int) Operands.readRm(c, i, 2));
            case 4, 5 -> verify(c, (int) Operands.readRm(c, i, 2), i.sub == 5);
            default -> throw c.ud();
        }
    }

    private static void lldt(Cpu c, int sel) {
        requireCpl0(c);
        if ((sel & 0xfffc) == 0) {
            c.setSegment(Cpu.LDTR, sel, 0, 0, Segments.UNUSABLE);
            return;
        }
        if ((sel & 4) != 0) {
            throw c.gp(sel & 0xfffc);
        }
        long[] d = Segments.systemDescriptor(c, sel);
        int attr = Segments.attr(d[0]);
        if ((attr & 0x1f) != 2) {
            throw c.gp(sel & 0xfffc);
        }
        if ((attr & 0x80) == 0) {
            throw c.raise(GuestFault.NP, sel & 0xfffc);
        }
        long base = Segments.base(d[0]) | (c.lma() ? (d[1] & 0xffffffffL) << 32 : 0);
        c.setSegment(Cpu.LDTR, sel, base, Segments.limit(d[0]), attr);
    }

    private static void ltr(Cpu c, int sel) {
        requireCpl0(c);
        if ((sel & 0xfffc) == 0 || (sel & 4) != 0) {
            throw c.gp(sel & 0xfffc);
        }
        long[] d = Segments.systemDescriptor(c, sel);
        int attr = Segments.attr(d[0]);
        int type = attr & 0x1f;
        if (type != 9 && (type != 1 || c.lma())) {
            throw c.gp(sel & 0xfffc);
        }
        if ((attr & 0x80) == 0) {
            throw c.raise(GuestFault.NP, sel & 0xfffc);
        }
        long base = Segments.base(d[0]) | (c.lma() ? (d[1] & 0xffffffffL) << 32 : 0);
        c.mem.writeSys(d[2] + 5, 1, ((d[0] >>> 40) & 0xff) | 2);
        c.setSegment(Cpu.TR, sel, base, Segments.limit(d[0]), attr | 2);
    }

    private static void verify(Cpu c, int sel, boolean write) {
        boolean ok = false;
        if ((sel & 0xfffc) != 0) {
            try {
                long d = Segments.readDescriptor(c, sel);
                int attr = Segments.attr(d);
                int type = attr & 0xf;
                int dpl = (attr >> 5) & 3;
                boolean code = (type & 8) != 0;
                boolean conforming = code && (type & 4) != 0;
                if ((attr & 0x10) != 0 && (conforming || (dpl >= c.cpl && dpl >= (sel & 3)))) {
                    ok = write ? !code && (type & 2) != 0 : !code || (type & 2) != 0;
                }
            } catch (GuestFault f) {
                if (f.vector != GuestFault.GP) {
                    throw f;
                }
            }
        }
        setZf(c, ok);
    }

    private static void setZf(Cpu c, boolean zf) {
        long f = Flags.arith(c) & ~Flags.ZF;
        Flags.setArith(c, zf ? f | Flags.ZF : f);
    }

    /** LAR ({@code lar}) or LSL. */
    static void larLsl(Cpu c, Insn i, boolean lar) {
        if (!c.pe()) {
            throw c.ud();
        }
        int sel = (int) Operands.readRm(c, i, 2);
        boolean ok = false;
        long value = 0;
        if ((sel & 0xfffc) != 0) {
            try {
                long d = Segments.readDescriptor(c, sel);
                int attr = Segments.attr(d);
                int type = attr & 0xf;
                int dpl = (attr >> 5) & 3;
                boolean system = (attr & 0x10) == 0;
                boolean conforming = !system && (type & 0xc) == 0xc;
                boolean typeOk;
                if (system) {
                    typeOk = c.lma() ? type == 2 || type == 9 || type == 0xb || (lar && type == 0xc)
                            : type == 1 || type == 2 || type == 3 || type == 9 || type == 0xb
                                    || (lar && (type == 4 || type == 5 || type == 0xc));
                } else {
                    typeOk = true;
                }
                if (typeOk && (conforming || (dpl >= c.cpl && dpl >= (sel & 3)))) {
                    ok = true;
                    value = lar ? (d >>> 32) & 0x00f0ff00L : Segments.limit(d) & 0xffffffffL;
                }
            } catch (GuestFault f) {
                if (f.vector != GuestFault.GP) {
                    throw f;
                }
            }
        }
        if (ok) {
            c.setReg(i.reg, i.osz == 2 ? 2 : 4, value);
            if (i.osz == 8) {
                c.r[i.reg] = value;
            }
        }
        setZf(c, ok);
    }

    static void group7(Cpu c, Insn i) {
        if (i.mem) {
            long ea = Operands.ea(c, i);
            int baseSize = c.longMode64 ? 8 : 4;
            switch (i.sub) {
                case 0, 1 -> {
                    boolean gdt = i.sub == 0;
                    c.mem.probeWrite(i.seg, ea, 2 + baseSize);
                    c.mem.write(i.seg, ea, 2, gdt ? c.gdtLimit : c.idtLimit);
                    c.mem.write(i.seg, Operands.mask(ea + 2, i.asz), baseSize, gdt ? c.gdtBase : c.idtBase);
                }
                case 2, 3 -> {
                    requireCpl0(c);
                    int limit = (int) c.mem.read(i.seg, ea, 2);
                    long base = c.mem.read(i.seg, Operands.mask(ea + 2, i.asz), baseSize);
                    if (!c.longMode64 && i.osz == 2) {
                        base &= 0xffffff;
                    }
                    if (c.longMode64 && !Interrupts.canonical(base)) {
                        throw c.gp(0);
                    }
                    if (i.sub == 2) {
                        c.gdtBase = base;
                        c.gdtLimit = limit;
                    } else {
                        c.idtBase = base;
                        c.idtLimit = limit;
                    }
                }
                case 4 -> c.mem.write(i.seg, ea, 2, c.cr0);
                case 6 -> lmsw(c, Operands.readRm(c, i, 2));
                case 7 -> {
                    requireCpl0(c);
                    long lin = c.mem.linearForInvlpg(i.seg, ea);
                    c.mem.invlpg(lin);
                    // Chained blocks assume unchanged translations: end the batch.
                    c.stop = true;
                }
                default -> throw c.ud();
            }
            return;
        }
        int modrm = i.cc;
        switch (i.sub) {
            case 4 -> c.setReg(i.rm, i.osz, i.osz == 2 ? c.cr0 & 0xffff : c.cr0);
            case 6 -> lmsw(c, c.reg(i.rm, 2));
            case 7 -> {
                if (modrm == 0xf8) {
                    if (!c.longMode64) {
                        throw c.ud();
                    }
                    requireCpl0(c);
                    long t = c.segBase[Cpu.GS];
                    c.segBase[Cpu.GS] = c.kernelGsBase;
                    c.kernelGsBase = t;
                    c.updateMode();
                } else if (modrm == 0xf9) {
                    rdtsc(c);
                    c.r[1] = c.tscAux & 0xffffffffL;
                } else {
                    throw c.ud();
                }
            }
            default -> throw c.ud();
        }
    }

    private static void lmsw(Cpu c, long v) {
        requireCpl0(c);
        // LMSW sets PE but never clears it.
        long nv = (c.cr0 & ~0xeL) | (v & 0xf) | (c.cr0 & 1);
        writeCr0(c, nv);
        c.stop = true;
    }

    static void clts(Cpu c) {
        requireCpl0(c);
        c.cr0 &= ~Cpu.CR0_TS;
    }

    static void rdtsc(Cpu c) {
        if ((c.cr4 & Cpu.CR4_TSD) != 0 && c.cpl != 0 && c.pe()) {
            throw c.gp(0);
        }
        long t = vmm.x86.emu.internal.cpu.Msrs.tsc(c);
        c.r[0] = t & 0xffffffffL;
        c.r[2] = t >>> 32;
    }

    /**
     * RDPMC of the four legacy AMD counters (PERF_CTR0-3, 0xc0010004-7): CPL 0 or CR4.PCE. Linux
     * finds those counters and reads them with RDPMC when it stops a perf event (at reboot, say).
     */
    static void rdpmc(Cpu c) {
        if ((c.cr4 & (1L << 8)) == 0 && c.cpl != 0 && c.pe()) {
            throw c.gp(0);
        }
        long index = c.r[1] & 0xffffffffL;
        if (index > 3) {
            throw c.gp(0);
        }
        long v = c.amdPerf[4 + (int) index] & 0xffffffffffffL;
        c.r[0] = v & 0xffffffffL;
        c.r[2] = v >>> 32;
    }

    /**
     * PAUSE: a spin-wait hint. With several vCPUs the thread gives up the host CPU, so that the
     * vCPU being waited for runs even when the host has fewer free cores than vCPUs (a spinning
     * vCPU would otherwise burn its whole time slice each round of a cross-CPU handshake).
     */
    static void pause(Cpu c) {
        if (c.vcpuCount > 1) {
            Thread.yield();
        }
    }

    static void rdmsr(Cpu c) {
        requireCpl0(c);
        long v = vmm.x86.emu.internal.cpu.Msrs.read(c, c.r[1] & 0xffffffffL);
        c.r[0] = v & 0xffffffffL;
        c.r[2] = v >>> 32;
    }

    static void wrmsr(Cpu c) {
        requireCpl0(c);
        long v = (c.r[0] & 0xffffffffL) | (c.r[2] << 32);
        vmm.x86.emu.internal.cpu.Msrs.write(c, c.r[1] & 0xffffffffL, v);
        c.stop = true;
    }
}
