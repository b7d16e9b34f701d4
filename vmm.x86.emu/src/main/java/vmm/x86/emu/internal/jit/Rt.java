package vmm.x86.emu.internal.jit;

import vmm.x86.emu.internal.cpu.Cpu;
import java.math.BigInteger;

import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.GuestFault;
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

    /**
     * One-operand MUL/IMUL's flags from the product: {@code r} is the whole product of the operands
     * (sign-extended for IMUL) for sizes 1-4, its low half for size 8 with {@code hi} the high half.
     */
    public static long wideMulFlags(long r, long hi, int size, boolean signed) {
        boolean overflow = switch (size) {
            case 1 -> signed ? r != (byte) r : (r >>> 8) != 0;
            case 2 -> signed ? r != (short) r : (r >>> 16) != 0;
            case 4 -> signed ? r != (int) r : (r >>> 32) != 0;
            default -> hi != (signed ? r >> 63 : 0);
        };
        return mulFlags(overflow, r, size);
    }

    /**
     * DIV/IDIV's quotient of {@code hi:lo} (the zero-extended operands: AX alone for size 1, DX:AX,
     * EDX:EAX, RDX:RAX) by {@code s}; #DE when the divisor is zero or the quotient does not fit,
     * exactly where the interpreter raises it.
     */
    public static long divide(Cpu c, long hi, long lo, long s, int size, boolean signed) {
        if (s == 0) {
            throw c.raise(GuestFault.DE);
        }
        switch (size) {
            case 1 -> {
                long q = signed ? (short) lo / (byte) s : lo / s;
                if (signed ? q != (byte) q : q > 0xff) {
                    throw c.raise(GuestFault.DE);
                }
                return q;
            }
            case 2, 4 -> {
                int bits = size * 8;
                long a = (hi << bits) | lo;
                if (signed) {
                    long dividend = size == 2 ? (int) a : a;
                    long q = dividend / Flags.signExtend(s, size);
                    if (q != Flags.signExtend(q, size) || size == 4 && dividend == Long.MIN_VALUE) {
                        throw c.raise(GuestFault.DE);
                    }
                    return q;
                }
                long q = Long.divideUnsigned(a, s);
                if ((q & ~Flags.mask(size)) != 0) {
                    throw c.raise(GuestFault.DE);
                }
                return q;
            }
            default -> {
                return divide128(c, hi, lo, s, signed);
            }
        }
    }

    private static final BigInteger TWO128 = BigInteger.ONE.shiftLeft(128);

    private static long divide128(Cpu c, long hi, long lo, long s, boolean signed) {
        if (!signed && hi == 0) {
            return Long.divideUnsigned(lo, s);
        }
        if (signed && hi == (lo >> 63) && !(lo == Long.MIN_VALUE && s == -1)) {
            return lo / s;
        }
        BigInteger dividend = BigInteger.valueOf(hi).shiftLeft(64).or(new BigInteger(Long.toUnsignedString(lo)));
        BigInteger divisor;
        if (signed) {
            divisor = BigInteger.valueOf(s);
        } else {
            dividend = hi < 0 ? dividend.add(TWO128) : dividend;
            divisor = new BigInteger(Long.toUnsignedString(s));
        }
        BigInteger q = dividend.divide(divisor);
        boolean fits = signed ? q.bitLength() <= 63 : q.signum() >= 0 && q.bitLength() <= 64;
        if (!fits) {
            throw c.raise(GuestFault.DE);
        }
        return q.longValue();
    }
}
