package vmm.x86.emu.internal.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hardware task switches in 32-bit protected mode (SDM vol. 3, 7.3): a far JMP or CALL to a
 * TSS descriptor or through a task gate, an interrupt or exception through an IDT task gate,
 * and IRET with EFLAGS.NT back to the previous task. The outgoing task's state goes into its
 * TSS, the incoming one's is loaded from its TSS; busy bits, the back link and NT follow the
 * kind of switch. 32-bit TSSs only: a 16-bit TSS, a switch into virtual-8086 mode and long mode
 * (which has no task switching) raise #GP and log once.
 */
public final class TaskSwitch {
    private static final Logger LOG = LoggerFactory.getLogger(TaskSwitch.class);
    private static volatile boolean unsupportedLogged;

    /** How the switch was started: it decides the busy bits, the back link and NT. */
    public enum Kind {
        JMP, CALL, IRET, INTERRUPT
    }

    private static final int TSS_BUSY = 0xb, TSS_AVAILABLE = 9;
    private static final int GPR_AT = 0x28, SEG_AT = 0x48, LDT_AT = 0x60;
    /** TSS order of the segment registers (ES, CS, SS, DS, FS, GS). */
    private static final int[] SEG_ORDER = {Cpu.ES, Cpu.CS, Cpu.SS, Cpu.DS, Cpu.FS, Cpu.GS};

    private TaskSwitch() {
    }

    /** Whether a far JMP/CALL to {@code sel} switches tasks (a TSS or a task gate, legacy protected mode). */
    public static boolean isTaskTarget(Cpu c, int sel) {
        if (!c.pe() || c.lma() || (sel & 0xfffc) == 0) {
            return false;
        }
        int attr = Segments.attr(Segments.readDescriptor(c, sel));
        if ((attr & 0x10) != 0) {
            return false;
        }
        int type = attr & 0xf;
        return type == 5 || type == TSS_AVAILABLE || type == TSS_BUSY || type == 1 || type == 3;
    }

    /** A far JMP or CALL to a TSS, or through a task gate; {@code c.nextRip} is the return point. */
    public static void farTransfer(Cpu c, int sel, boolean call) {
        long d = Segments.readDescriptor(c, sel);
        int attr = Segments.attr(d);
        int dpl = (attr >> 5) & 3;
        if (dpl < c.cpl || dpl < (sel & 3)) {
            throw c.gp(sel & 0xfffc);
        }
        if ((attr & 0x80) == 0) {
            throw c.raise(GuestFault.NP, sel & 0xfffc);
        }
        int tss = (attr & 0xf) == 5 ? (int) (d >>> 16) & 0xffff : sel;
        switchTo(c, tss, call ? Kind.CALL : Kind.JMP, c.nextRip);
    }

    /** IRET with NT set: back to the task in the current TSS's back link. */
    public static void iretToPrevious(Cpu c) {
        int link = (int) c.mem.readSys(c.segBase[Cpu.TR], 2);
        switchTo(c, link, Kind.IRET, c.nextRip);
    }

    /**
     * Switches to the task whose TSS selector is {@code tssSel}; {@code returnEip} is what the
     * outgoing task resumes at. On return RIP and the whole register state are the new task's.
     */
    public static void switchTo(Cpu c, int tssSel, Kind kind, long returnEip) {
        if (c.lma()) {
            unsupported(c, "a task switch in long mode");
            throw c.gp(0);
        }
        if ((tssSel & 4) != 0 || (tssSel & 0xfffc) == 0) {
            throw c.raise(kind == Kind.IRET ? GuestFault.TS : GuestFault.GP, tssSel & 0xfffc);
        }
        long descAt = Segments.descriptorAddress(c, tssSel, kind == Kind.IRET ? GuestFault.TS : GuestFault.GP);
        long d = c.mem.readSys(descAt, 8);
        int attr = Segments.attr(d);
        int type = attr & 0x1f;
        if (type == 1 || type == 3 || (c.segAttr[Cpu.TR] & 0xf) == 3) {
            unsupported(c, "a 16-bit TSS");
            throw c.gp(tssSel & 0xfffc);
        }
        if (kind == Kind.IRET ? type != TSS_BUSY : type != TSS_AVAILABLE) {
            throw c.raise(kind == Kind.IRET ? GuestFault.TS : GuestFault.GP, tssSel & 0xfffc);
        }
        if ((attr & 0x80) == 0) {
            throw c.raise(GuestFault.NP, tssSel & 0xfffc);
        }
        int limit = Segments.limit(d);
        if (limit < 0x67) {
            throw c.raise(GuestFault.TS, tssSel & 0xfffc);
        }
        long newBase = Segments.base(d);
        // Read all of the incoming TSS before changing anything: a fault here is the old task's.
        int[] in = new int[26];
        for (int k = 0; k < in.length; k++) {
            in[k] = (int) c.mem.readSys(newBase + 4L * k, 4);
        }
        long newFlags = in[9] & 0xffffffffL;
        if ((newFlags & Flags.VM) != 0) {
            unsupported(c, "a task switch into virtual-8086 mode");
            throw c.gp(tssSel & 0xfffc);
        }

        // The outgoing task's state.
        long oldBase = c.segBase[Cpu.TR];
        int oldSel = c.segSel[Cpu.TR];
        long flags = c.rflags();
        if (kind == Kind.IRET) {
            flags &= ~Flags.NT;
        }
        c.mem.writeSys(oldBase + 0x20, 4, returnEip & 0xffffffffL);
        c.mem.writeSys(oldBase + 0x24, 4, flags & 0xffffffffL);
        for (int r = 0; r < 8; r++) {
            c.mem.writeSys(oldBase + GPR_AT + 4L * r, 4, c.r[r] & 0xffffffffL);
        }
        for (int k = 0; k < SEG_ORDER.length; k++) {
            c.mem.writeSys(oldBase + SEG_AT + 4L * k, 2, c.segSel[SEG_ORDER[k]]);
        }
        if (kind == Kind.JMP || kind == Kind.IRET) {
            setBusy(c, oldSel, false);
        }
        if (kind != Kind.IRET) {
            setBusy(c, tssSel, true);
        }
        if (kind == Kind.CALL || kind == Kind.INTERRUPT) {
            c.mem.writeSys(newBase, 2, oldSel);
            newFlags |= Flags.NT;
        }

        // Commit: from here on, faults belong to the new task.
        c.setSegment(Cpu.TR, tssSel, newBase, limit, (attr & ~0xf) | TSS_BUSY);
        c.cr0 |= Cpu.CR0_TS;
        if (c.paging()) {
            c.cr3 = in[7] & 0xffffffffL;
            c.mem.flushNonGlobal();
        }
        for (int r = 0; r < 8; r++) {
            c.r[r] = in[GPR_AT / 4 + r] & 0xffffffffL;
        }
        c.setRflags(newFlags);
        long eip = in[8] & 0xffffffffL;
        c.rip = eip;
        c.nextRip = eip;
        c.stop = true;
        loadSegments(c, in);
    }

    /** LDTR, CS (its RPL is the new CPL), SS, then the data segments; a bad one is #TS. */
    private static void loadSegments(Cpu c, int[] in) {
        int[] sel = new int[6];
        for (int k = 0; k < 6; k++) {
            sel[k] = in[SEG_AT / 4 + k] & 0xffff;
        }
        // Until each is loaded, the selectors already stand in the registers (SDM 7.3, step 12).
        for (int k = 0; k < 6; k++) {
            c.segSel[SEG_ORDER[k]] = sel[k];
        }
        loadLdt(c, in[LDT_AT / 4] & 0xffff);
        int cs = sel[1];
        c.cpl = cs & 3;
        loadCode(c, cs);
        try {
            Segments.load(c, Cpu.SS, sel[2]);
            Segments.load(c, Cpu.ES, sel[0]);
            Segments.load(c, Cpu.DS, sel[3]);
            Segments.load(c, Cpu.FS, sel[4]);
            Segments.load(c, Cpu.GS, sel[5]);
        } catch (GuestFault f) {
            if (f.vector == GuestFault.GP) {
                throw c.raise(GuestFault.TS, f.errorCode);
            }
            throw f;
        }
    }

    private static void loadLdt(Cpu c, int sel) {
        if ((sel & 0xfffc) == 0) {
            c.setSegment(Cpu.LDTR, sel, 0, 0, Segments.UNUSABLE);
            return;
        }
        if ((sel & 4) != 0) {
            throw c.raise(GuestFault.TS, sel & 0xfffc);
        }
        long d = c.mem.readSys(Segments.descriptorAddress(c, sel, GuestFault.TS), 8);
        int attr = Segments.attr(d);
        if ((attr & 0x1f) != 2) {
            throw c.raise(GuestFault.TS, sel & 0xfffc);
        }
        if ((attr & 0x80) == 0) {
            throw c.raise(GuestFault.TS, sel & 0xfffc);
        }
        c.setSegment(Cpu.LDTR, sel, Segments.base(d), Segments.limit(d), attr);
    }

    private static void loadCode(Cpu c, int sel) {
        if ((sel & 0xfffc) == 0) {
            throw c.raise(GuestFault.TS, 0);
        }
        long d = c.mem.readSys(Segments.descriptorAddress(c, sel, GuestFault.TS), 8);
        int attr = Segments.attr(d);
        int dpl = (attr >> 5) & 3;
        boolean conforming = (attr & 4) != 0;
        if ((attr & 0x18) != 0x18 || (conforming ? dpl > (sel & 3) : dpl != (sel & 3))) {
            throw c.raise(GuestFault.TS, sel & 0xfffc);
        }
        if ((attr & 0x80) == 0) {
            throw c.raise(GuestFault.NP, sel & 0xfffc);
        }
        c.setSegment(Cpu.CS, sel, Segments.base(d), Segments.limit(d), attr | 1);
    }

    private static void setBusy(Cpu c, int sel, boolean busy) {
        long at = c.gdtBase + (sel & 0xfff8) + 5;
        long b = c.mem.readSys(at, 1);
        c.mem.writeSys(at, 1, busy ? b | 2 : b & ~2L);
    }

    private static void unsupported(Cpu c, String what) {
        if (!unsupportedLogged) {
            unsupportedLogged = true;
            LOG.warn("vCPU {}: {} is not implemented, #GP", c.index, what);
        }
    }
}
