package vmm.x86.emu.internal.fpu;

/**
 * x87 control and register management: FNINIT, FNCLEX, FLDCW/FNSTCW, FLDENV/FNSTENV,
 * FRSTOR/FNSAVE (16- and 32-bit protected-mode layouts; real-mode layouts are not used),
 * FXCH, FFREE[P], FINCSTP/FDECSTP, FCHS/FABS and FCMOVcc.
 */
final class X87Control {

    private final X87 x;
    private final SimdState s;

    X87Control(X87 x) {
        this.x = x;
        this.s = x.s;
    }

    void fninit() {
        s.fcw = SimdState.DEFAULT_FCW;
        s.fsw = 0;
        s.top = 0;
        s.empty = 0xff;
        s.fop = 0;
        s.fip = 0;
        s.fdp = 0;
        s.fcs = 0;
        s.fds = 0;
    }

    void fnclex() {
        s.fsw &= ~(0x3f | X87.SF | X87.ES | X87.B);
    }

    void fldcw() {
        s.fcw = (int) x.c.host.load(0, 2) & 0x1f7f | 0x40;
        x.updateEs();
    }

    void fnstcw() {
        x.c.host.store(0, 2, s.fcw);
    }

    private boolean small() {
        return x.c.insn.operandSize() == 2;
    }

    private int envSize() {
        return small() ? 14 : 28;
    }

    private void storeEnv() {
        FpuHost h = x.c.host;
        if (small()) {
            h.store(0, 2, s.fcw);
            h.store(2, 2, s.statusWord());
            h.store(4, 2, s.tagWord());
            h.store(6, 2, s.fip & 0xffff);
            h.store(8, 2, s.fcs);
            h.store(10, 2, s.fdp & 0xffff);
            h.store(12, 2, s.fds);
        } else {
            h.store(0, 4, 0xffff0000L | s.fcw);
            h.store(4, 4, 0xffff0000L | s.statusWord());
            h.store(8, 4, 0xffff0000L | s.tagWord());
            h.store(12, 4, s.fip & 0xffffffffL);
            h.store(16, 4, (s.fcs & 0xffffL) | ((long) (s.fop & 0x7ff) << 16));
            h.store(20, 4, s.fdp & 0xffffffffL);
            h.store(24, 4, 0xffff0000L | (s.fds & 0xffff));
        }
    }

    /** Loads the environment; all memory is read before any state changes. */
    private void loadEnv(long[] regsOut) {
        FpuHost h = x.c.host;
        int cw;
        int sw;
        int tw;
        long fip;
        long fdp;
        int fcs;
        int fds;
        int fop = 0;
        if (small()) {
            cw = (int) h.load(0, 2);
            sw = (int) h.load(2, 2);
            tw = (int) h.load(4, 2);
            fip = h.load(6, 2);
            fcs = (int) h.load(8, 2);
            fdp = h.load(10, 2);
            fds = (int) h.load(12, 2);
        } else {
            cw = (int) h.load(0, 2);
            sw = (int) h.load(4, 2);
            tw = (int) h.load(8, 2);
            fip = h.load(12, 4);
            long w = h.load(16, 4);
            fcs = (int) w & 0xffff;
            fop = (int) (w >>> 16) & 0x7ff;
            fdp = h.load(20, 4);
            fds = (int) h.load(24, 2);
        }
        if (regsOut != null) {
            int base = envSize();
            for (int i = 0; i < 8; i++) {
                regsOut[2 * i] = h.load(base + 10 * i, 8);
                regsOut[2 * i + 1] = h.load(base + 10 * i + 8, 2);
            }
        }
        s.fcw = cw & 0x1f7f | 0x40;
        s.top = (sw >> 11) & 7;
        s.fsw = sw & ~0x3800;
        s.setTagWord(tw);
        s.fip = fip;
        s.fdp = fdp;
        s.fcs = fcs;
        s.fds = fds;
        s.fop = fop;
        x.updateEs();
    }

    void fldenv() {
        loadEnv(null);
    }

    /** FNSTENV stores the environment, then masks every exception. */
    void fnstenv() {
        x.c.host.probeWrite(envSize(), 0);
        storeEnv();
        s.fcw |= 0x3f;
        x.updateEs();
    }

    void fnsave() {
        FpuHost h = x.c.host;
        int base = envSize();
        h.probeWrite(base + 80, 0);
        storeEnv();
        for (int i = 0; i < 8; i++) {
            int p = s.phys(i);
            h.store(base + 10 * i, 8, s.mant[p]);
            h.store(base + 10 * i + 8, 2, s.se[p]);
        }
        fninit();
    }

    void frstor() {
        long[] regs = new long[16];
        loadEnv(regs);
        for (int i = 0; i < 8; i++) {
            int p = s.phys(i);
            s.mant[p] = regs[2 * i];
            s.se[p] = (int) regs[2 * i + 1] & 0xffff;
        }
    }

    void fxch(int i) {
        x.setC1(false);
        if (x.empty(0) || x.empty(i)) {
            if (!x.underflow()) {
                return;
            }
            if (x.empty(0)) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
            }
            if (x.empty(i)) {
                x.setSt(i, X87.INDEF_SE, X87.INDEF_MANT);
            }
        }
        int a = s.phys(0);
        int b = s.phys(i);
        int se = s.se[a];
        long m = s.mant[a];
        s.se[a] = s.se[b];
        s.mant[a] = s.mant[b];
        s.se[b] = se;
        s.mant[b] = m;
    }

    void ffree(int i, boolean pop) {
        x.setC1(false);
        s.empty |= 1 << s.phys(i);
        if (pop) {
            x.pop();
        }
    }

    void incdec(int d) {
        x.setC1(false);
        s.top = (s.top + d) & 7;
    }

    /** FCHS (abs=false) and FABS. */
    void fchs(boolean abs) {
        x.setC1(false);
        if (x.empty(0)) {
            if (x.underflow()) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
            }
            return;
        }
        int p = s.phys(0);
        s.se[p] = abs ? s.se[p] & 0x7fff : s.se[p] ^ 0x8000;
    }

    /** FCMOVcc st(0), st(i): cond 0 B (CF), 1 E (ZF), 2 BE (CF|ZF), 3 U (PF); negated for DB. */
    void fcmov(int cond, boolean negate, int i) {
        long f = x.c.host.rflags();
        boolean cf = (f & 1) != 0;
        boolean zf = (f & 0x40) != 0;
        boolean pf = (f & 4) != 0;
        boolean t = switch (cond) {
            case 0 -> cf;
            case 1 -> zf;
            case 2 -> cf || zf;
            default -> pf;
        };
        if (x.empty(0) || x.empty(i)) {
            if (x.underflow()) {
                x.setSt(0, X87.INDEF_SE, X87.INDEF_MANT);
            }
            return;
        }
        if (t != negate) {
            int p = s.phys(i);
            x.setSt(0, s.se[p], s.mant[p]);
        }
    }
}
