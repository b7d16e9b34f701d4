package vmm.x86.emu.internal.cpu;

/**
 * Instruction breakpoints (DR0-DR3 with R/W = 00 in DR7). While one is enabled the vCPU loop
 * runs one instruction at a time and asks {@link #codeHits} before each: a match is a #DB fault
 * at the instruction, suppressed for one instruction by RFLAGS.RF (which the handler sets in the
 * frame it returns through). As on AMD CPUs, the MOV SS / POP SS shadow does not hold it back.
 * Data and I/O breakpoints are not implemented (the MOV to DR7 that enables one logs it).
 */
public final class Breakpoints {
    private Breakpoints() {
    }

    private static boolean enabled(long dr7, int n) {
        return (dr7 >>> (2 * n) & 3) != 0;
    }

    private static int kind(long dr7, int n) {
        return (int) (dr7 >>> (16 + 4 * n)) & 3;
    }

    /** Whether DR7 enables an instruction breakpoint. */
    public static boolean anyCode(Cpu c) {
        long dr7 = c.dr[7];
        if ((dr7 & 0xff) == 0) {
            return false;
        }
        for (int n = 0; n < 4; n++) {
            if (enabled(dr7, n) && kind(dr7, n) == 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether DR7 enables a data or I/O breakpoint, which this CPU does not watch. */
    public static boolean anyData(long dr7) {
        for (int n = 0; n < 4; n++) {
            if (enabled(dr7, n) && kind(dr7, n) != 0) {
                return true;
            }
        }
        return false;
    }

    /** DR6's B0-B3 bits of the enabled instruction breakpoints at CS:RIP; 0 when none matches. */
    public static int codeHits(Cpu c) {
        long dr7 = c.dr[7];
        long lin = c.longMode64 ? c.rip : (c.segBase[Cpu.CS] + c.rip) & 0xffffffffL;
        int hits = 0;
        for (int n = 0; n < 4; n++) {
            if (enabled(dr7, n) && kind(dr7, n) == 0 && c.dr[n] == lin) {
                hits |= 1 << n;
            }
        }
        return hits;
    }

    /**
     * Before an instruction while instruction breakpoints are armed: RF suppresses the check
     * once (and is consumed), else a matching breakpoint raises #DB with DR6 telling which.
     */
    public static void check(Cpu c) {
        if ((c.flagsHi & Flags.RF) != 0) {
            c.flagsHi &= ~Flags.RF;
            return;
        }
        int hits = codeHits(c);
        if (hits != 0) {
            c.dr[6] = (c.dr[6] & ~0xfL) | hits;
            throw c.raise(GuestFault.DB);
        }
    }
}
