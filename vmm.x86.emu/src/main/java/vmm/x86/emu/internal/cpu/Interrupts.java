package vmm.x86.emu.internal.cpu;

/**
 * Exception and interrupt delivery through the IVT (real mode), 32-bit IDT gates (interrupt and
 * trap gates, 16- and 32-bit, with the stack switch from the TSS on a privilege change) and
 * 64-bit IDT gates (with IST). A fault while delivering becomes a double fault when the
 * architecture says so (contributory + contributory, #PF + #PF or contributory), and a fault
 * while delivering a double fault is a triple fault. A task gate switches tasks ({@link TaskSwitch}).
 */
public final class Interrupts {

    private Interrupts() {
    }

    private static boolean contributory(int v) {
        return v == GuestFault.DE || (v >= GuestFault.TS && v <= GuestFault.GP);
    }

    /** Delivers a fault raised by the instruction at {@code c.rip}. */
    public static void fault(Cpu c, GuestFault f) {
        // A fault restarts its instruction: the pushed RFLAGS has RF set (SDM 17.3.1.1), except #DB.
        boolean restart = f.vector != GuestFault.DB && f.vector != GuestFault.BP && f.vector != GuestFault.OF;
        c.pushRf = restart;
        try {
            event(c, f.vector, f.hasErrorCode, f.errorCode, false, c.rip, 0);
        } finally {
            c.pushRf = false;
        }
    }

    /** INT n, INT3, INTO (gate DPL checked) returning to {@code c.nextRip}. */
    public static void software(Cpu c, int vector, boolean checkDpl) {
        event(c, vector, false, 0, checkDpl, c.nextRip, 0);
        // The block loop continues at nextRip: make that the handler.
        c.nextRip = c.rip;
    }

    /** An external interrupt or NMI, taken between instructions. */
    public static void external(Cpu c, int vector) {
        event(c, vector, false, 0, false, c.rip, 0);
    }

    private static void event(Cpu c, int vector, boolean hasErr, int err, boolean soft, long ret, int depth) {
        c.eventsDelivered++;
        try {
            deliver(c, vector, hasErr, err, soft, ret);
        } catch (GuestFault second) {
            int v2 = second.vector;
            boolean e2 = second.hasErrorCode;
            int err2 = second.errorCode;
            if (vector == GuestFault.DF || depth >= 2) {
                throw new TripleFault("vCPU " + c.index + ": exception " + v2 + " while delivering exception "
                        + vector + " at rip 0x" + Long.toHexString(c.rip));
            }
            boolean df = (contributory(vector) && contributory(v2))
                    || (vector == GuestFault.PF && (v2 == GuestFault.PF || contributory(v2)));
            // A fault while delivering restarts the instruction: INT n included, so its
            // return address is the INT itself (RIP is not committed until delivery succeeds).
            if (df) {
                event(c, GuestFault.DF, true, 0, false, c.rip, depth + 1);
            } else {
                event(c, v2, e2, err2, false, c.rip, depth + 1);
            }
        }
        c.halted = false;
        c.stop = true;
    }

    private static void deliver(Cpu c, int vector, boolean hasErr, int err, boolean soft, long ret) {
        if (!c.pe()) {
            deliverReal(c, vector, ret);
        } else if (c.lma()) {
            deliverLong(c, vector, hasErr, err, soft, ret);
        } else {
            deliverProtected(c, vector, hasErr, err, soft, ret);
        }
        if (vector == GuestFault.NMI) {
            c.nmiBlocked = true;
        }
    }

    private static void deliverReal(Cpu c, int vector, long ret) {
        if (vector * 4 + 3 > c.idtLimit) {
            throw c.gp(vector * 8 + 2);
        }
        long entry = c.mem.readSys(c.idtBase + vector * 4L, 4);
        long sp = c.r[4];
        int flags = (int) c.rflags();
        pushReal(c, sp - 2, flags);
        pushReal(c, sp - 4, c.segSel[Cpu.CS]);
        pushReal(c, sp - 6, ret);
        c.r[4] = (sp & ~0xffffL) | ((sp - 6) & 0xffff);
        c.flagsHi &= ~(Flags.IF | Flags.TF | Flags.AC | Flags.RF);
        Segments.loadReal(c, Cpu.CS, (int) (entry >>> 16) & 0xffff);
        c.rip = entry & 0xffff;
    }

    private static void pushReal(Cpu c, long sp, long v) {
        c.mem.write(Cpu.SS, sp & 0xffff, 2, v);
    }

    private static int gateError(int vector, boolean soft) {
        return vector * 8 + 2 + (soft ? 0 : 1);
    }

    private static void deliverProtected(Cpu c, int vector, boolean hasErr, int err, boolean soft, long ret) {
        if (vector * 8 + 7 > c.idtLimit) {
            throw c.gp(gateError(vector, soft));
        }
        long gate = c.mem.readSys(c.idtBase + vector * 8L, 8);
        int type = (int) (gate >>> 40) & 0x1f;
        if (type == 5) {
            taskGate(c, vector, gate, hasErr, err, soft, ret);
            return;
        }
        if (type != 6 && type != 7 && type != 0xe && type != 0xf) {
            throw c.gp(gateError(vector, soft));
        }
        int gateDpl = (int) (gate >>> 45) & 3;
        if (soft && gateDpl < c.cpl) {
            throw c.gp(vector * 8 + 2);
        }
        if ((gate & (1L << 47)) == 0) {
            throw c.raise(GuestFault.NP, gateError(vector, soft));
        }
        int sel = (int) (gate >>> 16) & 0xffff;
        long offset = (gate & 0xffff) | ((gate >>> 32) & 0xffff0000L);
        boolean gate32 = (type & 8) != 0;
        if (!gate32) {
            offset &= 0xffff;
        }
        long d = codeDescriptor(c, sel, soft);
        int attr = Segments.attr(d);
        int dpl = (attr >> 5) & 3;
        boolean conforming = (attr & 4) != 0;
        int newCpl = conforming ? c.cpl : dpl;
        int size = gate32 ? 4 : 2;
        long flags = c.rflags() | (c.pushRf ? Flags.RF : 0);
        long frameSs;
        long ssBase;
        long sp;
        long spMask;
        int ssSel = c.segSel[Cpu.SS];
        long ssDesc = 0;
        boolean inner = newCpl < c.cpl;
        if (inner) {
            int trType = c.segAttr[Cpu.TR] & 0xf;
            long trBase = c.segBase[Cpu.TR];
            long newSp;
            if ((trType & 8) != 0) {
                newSp = c.mem.readSys(trBase + 4 + newCpl * 8L, 4);
                ssSel = (int) c.mem.readSys(trBase + 8 + newCpl * 8L, 2);
            } else {
                newSp = c.mem.readSys(trBase + 2 + newCpl * 4L, 2);
                ssSel = (int) c.mem.readSys(trBase + 4 + newCpl * 4L, 2);
            }
            if ((ssSel & 0xfffc) == 0 || (ssSel & 3) != newCpl) {
                throw c.raise(GuestFault.TS, ssSel & 0xfffc);
            }
            ssDesc = Segments.readDescriptor(c, ssSel);
            int ssAttr = Segments.attr(ssDesc);
            if ((ssAttr & 0x18) != 0x10 || (ssAttr & 2) == 0 || ((ssAttr >> 5) & 3) != newCpl) {
                throw c.raise(GuestFault.TS, ssSel & 0xfffc);
            }
            if ((ssAttr & 0x80) == 0) {
                throw c.raise(GuestFault.SS, ssSel & 0xfffc);
            }
            ssBase = Segments.base(ssDesc);
            spMask = (ssAttr & (1 << 14)) != 0 ? 0xffffffffL : 0xffff;
            sp = newSp;
            frameSs = c.segSel[Cpu.SS];
        } else {
            ssBase = c.segBase[Cpu.SS];
            spMask = c.stackSize == 4 ? 0xffffffffL : 0xffff;
            sp = c.r[4];
            frameSs = 0;
        }
        int user = newCpl == 3 ? 1 : 0;
        long[] frame = new long[6];
        int n = 0;
        if (inner) {
            frame[n++] = frameSs;
            frame[n++] = c.r[4];
        }
        frame[n++] = flags;
        frame[n++] = c.segSel[Cpu.CS];
        frame[n++] = ret;
        if (hasErr) {
            frame[n++] = err;
        }
        for (int k = 0; k < n; k++) {
            sp = (sp - size) & spMask;
            c.mem.writeLin((ssBase + sp) & 0xffffffffL, size, frame[k], user);
        }
        // Everything that can fault has been done; commit.
        if (inner) {
            c.cpl = newCpl;
            c.setSegment(Cpu.SS, ssSel, ssBase, Segments.limit(ssDesc), Segments.attr(ssDesc) | 1);
        }
        c.cpl = newCpl;
        c.setSegment(Cpu.CS, (sel & 0xfffc) | newCpl, Segments.base(d), Segments.limit(d), attr | 1);
        c.r[4] = spMask == 0xffff ? (c.r[4] & ~0xffffL) | sp : sp;
        c.flagsHi &= ~(Flags.TF | Flags.NT | Flags.RF | Flags.VM);
        if ((type & 1) == 0) {
            c.flagsHi &= ~Flags.IF;
        }
        c.rip = offset;
    }

    private static long codeDescriptor(Cpu c, int sel, boolean soft) {
        if ((sel & 0xfffc) == 0) {
            throw c.gp(soft ? 0 : 1);
        }
        long d = c.mem.readSys(Segments.descriptorAddress(c, sel, GuestFault.GP), 8);
        int attr = Segments.attr(d);
        if ((attr & 0x18) != 0x18 || ((attr >> 5) & 3) > c.cpl) {
            throw c.gp(sel & 0xfffc);
        }
        if ((attr & 0x80) == 0) {
            throw c.raise(GuestFault.NP, sel & 0xfffc);
        }
        return d;
    }

    private static void deliverLong(Cpu c, int vector, boolean hasErr, int err, boolean soft, long ret) {
        if (vector * 16 + 15 > c.idtLimit) {
            throw c.gp(gateError(vector, soft));
        }
        long lo = c.mem.readSys(c.idtBase + vector * 16L, 8);
        long hi = c.mem.readSys(c.idtBase + vector * 16L + 8, 8);
        int type = (int) (lo >>> 40) & 0x1f;
        if (type != 0xe && type != 0xf) {
            throw c.gp(gateError(vector, soft));
        }
        int gateDpl = (int) (lo >>> 45) & 3;
        if (soft && gateDpl < c.cpl) {
            throw c.gp(vector * 8 + 2);
        }
        if ((lo & (1L << 47)) == 0) {
            throw c.raise(GuestFault.NP, gateError(vector, soft));
        }
        int sel = (int) (lo >>> 16) & 0xffff;
        long offset = (lo & 0xffff) | ((lo >>> 32) & 0xffff0000L) | (hi << 32);
        int ist = (int) (lo >>> 32) & 7;
        long d = codeDescriptor(c, sel, soft);
        int attr = Segments.attr(d);
        if ((attr & (1 << 13)) == 0 || (attr & (1 << 14)) != 0) {
            throw c.gp(sel & 0xfffc);
        }
        int dpl = (attr >> 5) & 3;
        boolean conforming = (attr & 4) != 0;
        int newCpl = conforming ? c.cpl : dpl;
        boolean inner = newCpl < c.cpl;
        long trBase = c.segBase[Cpu.TR];
        long sp;
        if (ist != 0) {
            sp = c.mem.readSys(trBase + 0x24 + (ist - 1) * 8L, 8);
        } else if (inner) {
            sp = c.mem.readSys(trBase + 4 + newCpl * 8L, 8);
        } else {
            sp = c.r[4];
        }
        if (!canonical(sp) && (inner || ist != 0)) {
            throw c.raise(GuestFault.SS, 0);
        }
        sp &= ~0xfL;
        long oldSs = c.segSel[Cpu.SS];
        long oldSp = c.r[4];
        long flags = c.rflags() | (c.pushRf ? Flags.RF : 0);
        int user = newCpl == 3 ? 1 : 0;
        long[] frame = {oldSs, oldSp, flags, c.segSel[Cpu.CS], ret, err};
        int n = hasErr ? 6 : 5;
        for (int k = 0; k < n; k++) {
            sp -= 8;
            c.mem.writeLin(sp, 8, frame[k], user);
        }
        if (inner) {
            c.cpl = newCpl;
            c.setSegment(Cpu.SS, newCpl, 0, 0, Segments.UNUSABLE | (newCpl << 5) | 0x13);
        }
        c.cpl = newCpl;
        c.setSegment(Cpu.CS, (sel & 0xfffc) | newCpl, Segments.base(d), Segments.limit(d), attr | 1);
        c.r[4] = sp;
        c.flagsHi &= ~(Flags.TF | Flags.NT | Flags.RF | Flags.VM);
        if ((type & 1) == 0) {
            c.flagsHi &= ~Flags.IF;
        }
        c.rip = offset;
    }

    public static boolean canonical(long a) {
        return (a << 16 >> 16) == a;
    }

    /** An IDT task gate: a nested task switch; the error code goes on the new task's stack. */
    private static void taskGate(Cpu c, int vector, long gate, boolean hasErr, int err, boolean soft, long ret) {
        if (soft && ((int) (gate >>> 45) & 3) < c.cpl) {
            throw c.gp(vector * 8 + 2);
        }
        if ((gate & (1L << 47)) == 0) {
            throw c.raise(GuestFault.NP, gateError(vector, soft));
        }
        TaskSwitch.switchTo(c, (int) (gate >>> 16) & 0xffff, TaskSwitch.Kind.INTERRUPT, ret);
        if (hasErr) {
            int size = (c.segAttr[Cpu.TR] & 8) != 0 ? 4 : 2;
            long sp = (c.r[4] - size) & (c.stackSize == 4 ? 0xffffffffL : 0xffff);
            c.mem.write(Cpu.SS, sp, size, err);
            c.r[4] = c.stackSize == 4 ? sp : (c.r[4] & ~0xffffL) | sp;
        }
    }
}
