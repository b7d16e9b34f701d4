package vmm.x86.emu.internal.cpu;

import vmm.core.hypervisor.InterruptPort;
import vmm.x86.emu.internal.fpu.FpuUnit;

/**
 * The architectural state of one vCPU, in fields the instruction handlers read directly
 * (the hot loop allocates nothing and calls no getters). Segment arrays are indexed
 * ES, CS, SS, DS, FS, GS (the encoding order), then LDTR and TR.
 */
public final class Cpu {
    public static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5, LDTR = 6, TR = 7;
    public static final long CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20,
            CR0_WP = 1L << 16, CR0_AM = 1L << 18, CR0_NW = 1L << 29, CR0_CD = 1L << 30, CR0_PG = 1L << 31;
    public static final long CR4_VME = 1, CR4_PVI = 2, CR4_TSD = 4, CR4_DE = 8, CR4_PSE = 0x10, CR4_PAE = 0x20,
            CR4_MCE = 0x40, CR4_PGE = 0x80, CR4_PCE = 0x100, CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400;
    public static final long EFER_SCE = 1, EFER_LME = 0x100, EFER_LMA = 0x400, EFER_NXE = 0x800;

    public final int index;
    public final long[] r = new long[16];
    public long rip;
    /** Where execution continues after the current instruction (handlers of branches set it). */
    public long nextRip;
    /** RFLAGS without the six arithmetic flags (those are lazy, below); bit 1 always set. */
    public long flagsHi = 2;

    // Lazy flags, see Flags.
    public int fOp;
    public int fSize = 8;
    public long fRes, fSrc, fDst, fAux;

    public final int[] segSel = new int[8];
    public final long[] segBase = new long[8];
    public final int[] segLimit = new int[8];
    public final int[] segAttr = new int[8];
    /** The base used for address computation: zero for ES/CS/SS/DS in 64-bit mode. */
    public final long[] segEff = new long[6];
    /** Accesses through this segment need no limit or type check (64-bit mode or flat). */
    public final boolean[] segFlat = new boolean[6];

    public long cr8NoPort;
    public long gdtBase, idtBase;
    public int gdtLimit, idtLimit;
    public long cr0 = 0x60000010L, cr2, cr3, cr4, efer;
    public final long[] dr = new long[8];

    public int cpl;
    /** Code size in bytes: 2, 4 or 8 (the decoder's mode). */
    public int codeSize = 2;
    /** Stack address size in bytes: 2, 4 or 8. */
    public int stackSize = 2;
    public boolean longMode64;

    // MSRs the CPU keeps.
    public long star, lstar, cstar, sfmask, kernelGsBase, sysenterCs, sysenterEsp, sysenterEip, tscAux;
    public long pat = 0x0007040600070406L, miscEnable = 1, tscOffset, mtrrDefType, apicBaseNoPort = 0xfee00900L;
    public long amdSyscfg, amdHwcr;
    /** PERF_CTL0-3 then PERF_CTR0-3 (0xc0010000-0xc0010007), then 0xc0010200-0xc001020b: stored, never counting. */
    public final long[] amdPerf = new long[20];
    public final long[] mtrrFixed = new long[11];
    public final long[] mtrrVar = new long[16];

    public boolean halted;
    public boolean waitingForSipi;
    /** Interrupts are blocked until the next instruction completes (STI, MOV SS, POP SS). */
    public boolean interruptShadow;
    /** NMIs blocked until IRET. */
    public boolean nmiBlocked;
    /** An NMI that arrived while blocked, taken after the IRET (hardware latches one). */
    public boolean nmiLatched;
    /** Set by a handler that changed something the block loop must see at once (mode, IF, code write). */
    public boolean stop;
    /** Set while a fault is delivered: the pushed RFLAGS image gets RF. */
    public boolean pushRf;
    /** Counts delivered exceptions and interrupts (single-step needs to know). */
    public long eventsDelivered;
    /**
     * Set by SYSCALL/SYSRET, whose single-step trap follows RFLAGS.TF at the end of the instruction
     * (not at its start): 1 no trap, 2 trap; 0 when the start's TF decides.
     */
    public int stepByEndTf;

    public final GuestFault fault = new GuestFault();
    public final FpuUnit fpu = new FpuUnit();
    public final InterruptPort port;
    public Mem mem;
    public vmm.core.bus.Bus pio;
    public long tscKhz = 1_000_000;
    public int vcpuCount = 1;
    /** System.nanoTime() at TSC zero. */
    public long tscEpochNanos = System.nanoTime();
    /** The time base the TSC counts on: the platform's (held still while the machine is saved or restored). */
    public java.util.function.LongSupplier clock = System::nanoTime;
    public final byte[][] ioBuf = {new byte[1], new byte[2], null, new byte[4]};

    public Cpu(int index, InterruptPort port) {
        this.index = index;
        this.port = port;
    }

    public long rflags() {
        return flagsHi | Flags.arith(this);
    }

    public void setRflags(long value) {
        flagsHi = (value & ~Flags.ARITH & 0x3f7fd5L) | 2;
        Flags.setArith(this, value);
    }

    public boolean pe() {
        return (cr0 & CR0_PE) != 0;
    }

    public boolean paging() {
        return (cr0 & CR0_PG) != 0;
    }

    public boolean lma() {
        return (efer & EFER_LMA) != 0;
    }

    public boolean iflag() {
        return (flagsHi & Flags.IF) != 0;
    }

    public int iopl() {
        return (int) (flagsHi >> 12) & 3;
    }

    public GuestFault raise(int vector) {
        return fault.set(vector, 0, GuestFault.pushesErrorCode(vector));
    }

    public GuestFault raise(int vector, int errorCode) {
        return fault.set(vector, errorCode, true);
    }

    public GuestFault gp(int errorCode) {
        return fault.set(GuestFault.GP, errorCode, true);
    }

    public GuestFault ud() {
        return fault.set(GuestFault.UD, 0, false);
    }

    /** Reads register {@code i} at {@code size}; for size 1, 16-19 are AH, CH, DH, BH. */
    public long reg(int i, int size) {
        switch (size) {
            case 1:
                return i >= 16 ? (r[i - 16] >>> 8) & 0xff : r[i] & 0xff;
            case 2:
                return r[i] & 0xffff;
            case 4:
                return r[i] & 0xffffffffL;
            default:
                return r[i];
        }
    }

    /** Writes a register with the architecture's merge rules (32-bit writes zero the top half). */
    public void setReg(int i, int size, long v) {
        switch (size) {
            case 1:
                if (i >= 16) {
                    r[i - 16] = (r[i - 16] & ~0xff00L) | ((v & 0xff) << 8);
                } else {
                    r[i] = (r[i] & ~0xffL) | (v & 0xff);
                }
                break;
            case 2:
                r[i] = (r[i] & ~0xffffL) | (v & 0xffff);
                break;
            case 4:
                r[i] = v & 0xffffffffL;
                break;
            default:
                r[i] = v;
        }
    }

    /** Sets the cached part of segment {@code s} and recomputes what depends on it. */
    public void setSegment(int s, int selector, long base, int limit, int attr) {
        segSel[s] = selector & 0xffff;
        segBase[s] = base;
        segLimit[s] = limit;
        segAttr[s] = attr;
        if (s == CS || s == SS) {
            updateMode();
        } else if (s < 6) {
            updateSegCache(s);
        }
    }

    /** Recomputes code size, stack size and the per-segment fast-path data after a mode change. */
    public void updateMode() {
        if (!pe()) {
            codeSize = 2;
            stackSize = 2;
            longMode64 = false;
            cpl = 0;
        } else {
            longMode64 = lma() && (segAttr[CS] & (1 << 13)) != 0;
            codeSize = longMode64 ? 8 : (segAttr[CS] & (1 << 14)) != 0 ? 4 : 2;
            stackSize = longMode64 ? 8 : (segAttr[SS] & (1 << 14)) != 0 ? 4 : 2;
        }
        for (int s = 0; s < 6; s++) {
            updateSegCache(s);
        }
        stop = true;
    }

    private void updateSegCache(int s) {
        if (longMode64) {
            segEff[s] = s >= FS ? segBase[s] : 0;
            segFlat[s] = true;
            return;
        }
        segEff[s] = segBase[s] & 0xffffffffL;
        int attr = segAttr[s];
        boolean usable = (attr & (1 << 16)) == 0 && (attr & 0x80) != 0;
        int type = attr & 0xf;
        boolean code = (type & 8) != 0;
        boolean rw = code ? (type & 2) != 0 && s != CS : (type & 2) != 0;
        boolean expandDown = !code && (type & 4) != 0;
        // In real mode the cached limits still apply (unreal mode relies on it), but types do not.
        segFlat[s] = usable && segLimit[s] == -1 && segEff[s] == 0 && !expandDown && (rw || !pe());
    }
}
