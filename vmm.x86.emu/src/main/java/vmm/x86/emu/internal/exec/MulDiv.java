package vmm.x86.emu.internal.exec;

import java.math.BigInteger;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.GuestFault;
import vmm.x86.emu.internal.decode.Insn;

/** MUL, IMUL (one-, two- and three-operand), DIV and IDIV with #DE. */
final class MulDiv {
    private MulDiv() {
    }

    /** CF = OF = {@code overflow}; SF, ZF, PF follow the low result (undefined in the manuals). */
    private static void mulFlags(Cpu c, boolean overflow, long low, int size) {
        long f = overflow ? Flags.CF | Flags.OF : 0;
        long m = Flags.mask(size);
        if ((low & m) == 0) {
            f |= Flags.ZF;
        }
        if ((low & Flags.signBit(size)) != 0) {
            f |= Flags.SF;
        }
        if ((Long.bitCount(low & 0xff) & 1) == 0) {
            f |= Flags.PF;
        }
        Flags.setArith(c, f);
    }

    static void mul(Cpu c, Insn i, boolean signed) {
        int size = i.osz;
        long s = Operands.readRm(c, i, size);
        long a = c.reg(0, size);
        switch (size) {
            case 1 -> {
                long r = signed ? (long) (byte) a * (byte) s : a * s;
                c.setReg(0, 2, r);
                mulFlags(c, signed ? r != (byte) r : (r >>> 8) != 0, r, 1);
            }
            case 2 -> {
                long r = signed ? (long) (short) a * (short) s : a * s;
                c.setReg(0, 2, r);
                c.setReg(2, 2, r >>> 16);
                mulFlags(c, signed ? r != (short) r : (r >>> 16) != 0, r, 2);
            }
            case 4 -> {
                long r = signed ? (long) (int) a * (int) s : a * s;
                c.setReg(0, 4, r);
                c.setReg(2, 4, r >>> 32);
                mulFlags(c, signed ? r != (int) r : (r >>> 32) != 0, r, 4);
            }
            default -> {
                long lo = a * s;
                long hi = signed ? Math.multiplyHigh(a, s) : Math.unsignedMultiplyHigh(a, s);
                c.r[0] = lo;
                c.r[2] = hi;
                mulFlags(c, signed ? hi != (lo >> 63) : hi != 0, lo, 8);
            }
        }
    }

    /** IMUL r, r/m (three-operand form when {@code withImm}). */
    static void imul(Cpu c, Insn i, boolean withImm) {
        int size = i.osz;
        long s = Operands.readRm(c, i, size);
        long d = withImm ? i.imm : c.reg(i.reg, size);
        long r;
        boolean overflow;
        switch (size) {
            case 2 -> {
                r = (long) (short) d * (short) s;
                overflow = r != (short) r;
            }
            case 4 -> {
                r = (long) (int) d * (int) s;
                overflow = r != (int) r;
            }
            default -> {
                r = d * s;
                overflow = Math.multiplyHigh(d, s) != (r >> 63);
            }
        }
        c.setReg(i.reg, size, r);
        mulFlags(c, overflow, r, size);
    }

    static void div(Cpu c, Insn i, boolean signed) {
        int size = i.osz;
        long s = Operands.readRm(c, i, size);
        if (s == 0) {
            throw c.raise(GuestFault.DE);
        }
        switch (size) {
            case 1 -> {
                long a = c.reg(0, 2);
                long q;
                long rem;
                if (signed) {
                    q = (short) a / (byte) s;
                    rem = (short) a % (byte) s;
                    if (q != (byte) q) {
                        throw c.raise(GuestFault.DE);
                    }
                } else {
                    q = a / s;
                    rem = a % s;
                    if (q > 0xff) {
                        throw c.raise(GuestFault.DE);
                    }
                }
                c.setReg(0, 2, (q & 0xff) | ((rem & 0xff) << 8));
            }
            case 2, 4 -> {
                int bits = size * 8;
                long a = (c.reg(2, size) << bits) | c.reg(0, size);
                long q;
                long rem;
                if (signed) {
                    long dividend = size == 2 ? (int) a : a;
                    long divisor = Flags.signExtend(s, size);
                    q = dividend / divisor;
                    rem = dividend % divisor;
                    if (q != Flags.signExtend(q, size) || (size == 4 && dividend == Long.MIN_VALUE)) {
                        throw c.raise(GuestFault.DE);
                    }
                } else {
                    q = Long.divideUnsigned(a, s);
                    rem = Long.remainderUnsigned(a, s);
                    if ((q & ~Flags.mask(size)) != 0) {
                        throw c.raise(GuestFault.DE);
                    }
                }
                c.setReg(0, size, q);
                c.setReg(2, size, rem);
            }
            default -> div128(c, s, signed);
        }
    }

    private static final BigInteger TWO64 = BigInteger.ONE.shiftLeft(64);

    private static void div128(Cpu c, long s, boolean signed) {
        long hi = c.r[2];
        long lo = c.r[0];
        if (!signed && hi == 0) {
            c.r[0] = Long.divideUnsigned(lo, s);
            c.r[2] = Long.remainderUnsigned(lo, s);
            return;
        }
        if (signed && hi == (lo >> 63) && !(lo == Long.MIN_VALUE && s == -1)) {
            c.r[0] = lo / s;
            c.r[2] = lo % s;
            return;
        }
        BigInteger dividend = BigInteger.valueOf(hi).shiftLeft(64).or(new BigInteger(Long.toUnsignedString(lo)));
        BigInteger divisor;
        if (signed) {
            divisor = BigInteger.valueOf(s);
        } else {
            dividend = hi < 0 ? dividend.add(TWO64.shiftLeft(64)) : dividend;
            divisor = new BigInteger(Long.toUnsignedString(s));
        }
        BigInteger[] qr = dividend.divideAndRemainder(divisor);
        BigInteger q = qr[0];
        boolean fits = signed ? q.bitLength() <= 63 : q.signum() >= 0 && q.bitLength() <= 64;
        if (!fits) {
            throw c.raise(GuestFault.DE);
        }
        c.r[0] = q.longValue();
        c.r[2] = qr[1].longValue();
    }
}
