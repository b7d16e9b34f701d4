package vmm.x86.emu.internal.jit;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.Interrupts;

/** The few operations translated code calls rather than inlines (small enough for HotSpot to inline). */
public final class Rt {
    private Rt() {
    }

    /** A near branch leaving the block: the operand-size mask, then the canonical or CS-limit check. */
    public static void branch(Cpu c, long target, int size) {
        target = switch (size) {
            case 2 -> target & 0xffff;
            case 4 -> target & 0xffffffffL;
            default -> target;
        };
        if (c.longMode64) {
            if (!Interrupts.canonical(target)) {
                throw c.gp(0);
            }
        } else if (Long.compareUnsigned(target, c.segLimit[Cpu.CS] & 0xffffffffL) > 0) {
            throw c.gp(0);
        }
        c.rip = target;
    }

    /** IMUL's flags as the interpreter sets them: CF=OF=overflow, ZF, SF and PF from the low half. */
    public static long mulFlags(boolean overflow, long low, int size) {
        long f = overflow ? Flags.CF | Flags.OF : 0;
        if ((low & Flags.mask(size)) == 0) {
            f |= Flags.ZF;
        }
        if ((low & Flags.signBit(size)) != 0) {
            f |= Flags.SF;
        }
        if ((Long.bitCount(low & 0xff) & 1) == 0) {
            f |= Flags.PF;
        }
        return f;
    }

    /** ROL/ROR by a non-zero count: CF and OF from the result, the other flags kept. */
    public static void rotateFlags(Cpu c, long r, int size, boolean left) {
        long sb = Flags.signBit(size);
        boolean cf;
        boolean of;
        if (left) {
            cf = (r & 1) != 0;
            of = ((r & sb) != 0) ^ cf;
        } else {
            cf = (r & sb) != 0;
            of = cf ^ ((r & (sb >>> 1)) != 0);
        }
        long f = Flags.arith(c) & ~(Flags.CF | Flags.OF);
        Flags.setArith(c, f | (cf ? Flags.CF : 0) | (of ? Flags.OF : 0));
    }

    public static boolean imulOverflow(long d, long s, int size) {
        return switch (size) {
            case 2 -> {
                long r = (long) (short) d * (short) s;
                yield r != (short) r;
            }
            case 4 -> {
                long r = (long) (int) d * (int) s;
                yield r != (int) r;
            }
            default -> Math.multiplyHigh(d, s) != ((d * s) >> 63);
        };
    }
}
