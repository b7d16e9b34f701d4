package vmm.x86.emu.internal.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segment register loads with the protected-mode descriptor checks (#GP/#SS/#NP with the
 * selector as error code), and descriptor-table access. Call gates are not implemented: a far
 * transfer through one raises #GP and logs once (task gates and TSSs go to {@link TaskSwitch}).
 */
public final class Segments {
    private static final Logger LOG = LoggerFactory.getLogger(Segments.class);
    private static volatile boolean gateLogged;

    public static final int UNUSABLE = 1 << 16;

    private Segments() {
    }

    /** The linear address of the descriptor for {@code sel}, or #GP(sel) when outside its table. */
    public static long descriptorAddress(Cpu c, int sel, int vector) {
        int idx = sel & 0xfff8;
        if ((sel & 4) != 0) {
            if ((c.segAttr[Cpu.LDTR] & UNUSABLE) != 0 || idx + 7 > c.segLimit[Cpu.LDTR]) {
                throw c.raise(vector, sel & 0xfffc);
            }
            return c.segBase[Cpu.LDTR] + idx;
        }
        if (idx + 7 > c.gdtLimit) {
            throw c.raise(vector, sel & 0xfffc);
        }
        return c.gdtBase + idx;
    }

    public static long readDescriptor(Cpu c, int sel) {
        return c.mem.readSys(descriptorAddress(c, sel, GuestFault.GP), 8);
    }

    public static int attr(long d) {
        return (int) (d >>> 40) & 0xf0ff;
    }

    public static long base(long d) {
        return ((d >>> 16) & 0xffffff) | (((d >>> 56) & 0xff) << 24);
    }

    public static int limit(long d) {
        int l = (int) (d & 0xffff) | (int) ((d >>> 32) & 0xf0000);
        return (d & (1L << 55)) != 0 ? (l << 12) | 0xfff : l;
    }

    private static void setAccessed(Cpu c, int sel, long d) {
        if ((d & (1L << 40)) == 0) {
            long a = descriptorAddress(c, sel, GuestFault.GP) + 5;
            c.mem.writeSys(a, 1, ((d >>> 40) & 0xff) | 1);
        }
    }

    public static void loadReal(Cpu c, int s, int sel) {
        int attr = (c.segAttr[s] & ~UNUSABLE) | 0x80 | 0x10;
        if (s == Cpu.CS) {
            attr = (attr & ~0xf) | 0xb;
        } else if ((attr & 8) != 0 || (attr & 2) == 0) {
            attr = (attr & ~0xf) | 3;
        }
        c.setSegment(s, sel, (long) (sel & 0xffff) << 4, c.pe() ? 0xffff : c.segLimit[s], attr);
    }

    /** MOV/POP/LxS to a data segment register or SS. */
    public static void load(Cpu c, int s, int sel) {
        sel &= 0xffff;
        if (!c.pe()) {
            loadReal(c, s, sel);
            return;
        }
        int rpl = sel & 3;
        if ((sel & 0xfffc) == 0) {
            if (s == Cpu.SS && !(c.longMode64 && c.cpl != 3 && rpl == c.cpl)) {
                throw c.gp(0);
            }
            c.setSegment(s, sel, 0, 0, UNUSABLE | (s == Cpu.SS ? c.cpl << 5 : 0));
            return;
        }
        long d = readDescriptor(c, sel);
        int attr = attr(d);
        int type = attr & 0xf;
        int dpl = (attr >> 5) & 3;
        boolean code = (type & 8) != 0;
        boolean system = (attr & 0x10) == 0;
        if (s == Cpu.SS) {
            if (system || code || (type & 2) == 0 || rpl != c.cpl || dpl != c.cpl) {
                throw c.gp(sel & 0xfffc);
            }
            if ((attr & 0x80) == 0) {
                throw c.raise(GuestFault.SS, sel & 0xfffc);
            }
        } else {
            if (system || (code && (type & 2) == 0)) {
                throw c.gp(sel & 0xfffc);
            }
            boolean conforming = code && (type & 4) != 0;
            if (!conforming && (rpl > dpl || c.cpl > dpl)) {
                throw c.gp(sel & 0xfffc);
            }
            if ((attr & 0x80) == 0) {
                throw c.raise(GuestFault.NP, sel & 0xfffc);
            }
        }
        setAccessed(c, sel, d);
        c.setSegment(s, sel, base(d), limit(d), attr | 1);
    }

    /**
     * Checks and loads CS for a far JMP or CALL to {@code sel} at the current privilege (code
     * segments only), then sets RIP.
     */
    public static void farJumpTarget(Cpu c, int sel, long offset) {
        sel &= 0xffff;
        if (!c.pe()) {
            loadReal(c, Cpu.CS, sel);
            c.nextRip = offset & 0xffffffffL;
            return;
        }
        if ((sel & 0xfffc) == 0) {
            throw c.gp(0);
        }
        long d = readDescriptor(c, sel);
        int attr = attr(d);
        int type = attr & 0xf;
        int dpl = (attr >> 5) & 3;
        if ((attr & 0x10) == 0) {
            if (!gateLogged) {
                gateLogged = true;
                LOG.warn("vCPU {}: far transfer through a system descriptor (type {}) - call gates are"
                        + " not implemented, #GP", c.index, type);
            }
            throw c.gp(sel & 0xfffc);
        }
        if ((type & 8) == 0) {
            throw c.gp(sel & 0xfffc);
        }
        if ((type & 4) != 0 ? dpl > c.cpl : ((sel & 3) > c.cpl || dpl != c.cpl)) {
            throw c.gp(sel & 0xfffc);
        }
        if ((attr & 0x80) == 0) {
            throw c.raise(GuestFault.NP, sel & 0xfffc);
        }
        int limit = limit(d);
        boolean toLong = c.lma() && (attr & (1 << 13)) != 0;
        if (!toLong && Long.compareUnsigned(offset, limit & 0xffffffffL) > 0) {
            throw c.gp(0);
        }
        setAccessed(c, sel, d);
        c.setSegment(Cpu.CS, (sel & 0xfffc) | c.cpl, base(d), limit, attr | 1);
        c.nextRip = offset;
    }

    /**
     * Checks the CS selector popped by RETF or IRET in protected mode and loads it; returns the
     * new CPL (the selector's RPL). SS is the caller's business when the privilege changes.
     */
    public static int returnToCode(Cpu c, int sel, long offset) {
        sel &= 0xffff;
        if ((sel & 0xfffc) == 0) {
            throw c.gp(0);
        }
        int rpl = sel & 3;
        if (rpl < c.cpl) {
            throw c.gp(sel & 0xfffc);
        }
        long d = readDescriptor(c, sel);
        int attr = attr(d);
        int type = attr & 0xf;
        int dpl = (attr >> 5) & 3;
        if ((attr & 0x10) == 0 || (type & 8) == 0) {
            throw c.gp(sel & 0xfffc);
        }
        if ((type & 4) != 0 ? dpl > rpl : dpl != rpl) {
            throw c.gp(sel & 0xfffc);
        }
        if ((attr & 0x80) == 0) {
            throw c.raise(GuestFault.NP, sel & 0xfffc);
        }
        boolean toLong = c.lma() && (attr & (1 << 13)) != 0;
        int limit = limit(d);
        if (!toLong && Long.compareUnsigned(offset, limit & 0xffffffffL) > 0) {
            throw c.gp(0);
        }
        setAccessed(c, sel, d);
        c.cpl = rpl;
        c.setSegment(Cpu.CS, sel, base(d), limit, attr | 1);
        return rpl;
    }

    /** Loads SS:RSP popped on a return to an outer privilege level (CPL already changed). */
    public static void returnStack(Cpu c, int sel) {
        sel &= 0xffff;
        if ((sel & 0xfffc) == 0 && c.longMode64 && c.cpl != 3) {
            c.setSegment(Cpu.SS, sel, 0, 0, UNUSABLE | (c.cpl << 5) | 0x13);
            return;
        }
        load(c, Cpu.SS, sel);
    }

    /**
     * After a return to an outer level: data segments the new CPL may not use become null. Only
     * the selector and the usability change (the SDM's pseudo-code zeroes the selector alone):
     * the hidden base stays, which 64-bit code still addresses FS and GS through.
     */
    public static void nullifyForOuter(Cpu c) {
        for (int s : new int[] {Cpu.ES, Cpu.DS, Cpu.FS, Cpu.GS}) {
            int attr = c.segAttr[s];
            int dpl = (attr >> 5) & 3;
            boolean conformingCode = (attr & 0xc) == 0xc && (attr & 8) != 0;
            if ((attr & UNUSABLE) == 0 && !conformingCode && dpl < c.cpl) {
                c.setSegment(s, 0, c.segBase[s], c.segLimit[s], UNUSABLE);
            }
        }
    }

    /** Reads a 16-byte (long mode) or 8-byte system descriptor for LLDT/LTR. */
    public static long[] systemDescriptor(Cpu c, int sel) {
        long addr = descriptorAddress(c, sel, GuestFault.GP);
        long lo = c.mem.readSys(addr, 8);
        long hi = 0;
        if (c.lma()) {
            if ((sel & 0xfff8) + 15 > c.gdtLimit) {
                throw c.gp(sel & 0xfffc);
            }
            hi = c.mem.readSys(addr + 8, 8);
        }
        return new long[] {lo, hi, addr};
    }
}
