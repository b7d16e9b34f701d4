package vmm.x86.emu.internal.exec;

import static vmm.x86.emu.internal.exec.Operands.ea;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;

/** ROL, ROR, RCL, RCR, SHL/SAL, SHR, SAR, SHLD, SHRD. */
final class Shifts {
    private Shifts() {
    }

    private static int count(Cpu c, Insn i) {
        int raw = i.cc == 0 ? 1 : i.cc == 1 ? (int) c.r[1] : (int) i.imm;
        return raw & (i.osz == 8 ? 0x3f : 0x1f);
    }

    static void shift(Cpu c, Insn i) {
        int size = i.osz;
        int count = count(c, i);
        long ea = i.mem ? ea(c, i) : 0;
        long d = i.mem ? c.mem.read(i.seg, ea, size) : c.reg(i.rm, size);
        if (count == 0) {
            zeroExtend(c, i);
            return;
        }
        int bits = size * 8;
        long m = Flags.mask(size);
        long sb = Flags.signBit(size);
        long r;
        long f = -1;
        switch (i.sub) {
            case 0 -> {
                int n = count % bits;
                r = rotl(d, n, bits) & m;
                boolean cf = (r & 1) != 0;
                boolean of = ((r & sb) != 0) ^ cf;
                f = withCfOf(c, cf, of);
            }
            case 1 -> {
                int n = count % bits;
                r = rotl(d, (bits - n) % bits, bits) & m;
                boolean cf = (r & sb) != 0;
                boolean of = cf ^ ((r & (sb >>> 1)) != 0);
                f = withCfOf(c, cf, of);
            }
            case 2 -> {
                int n = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
                boolean cf = Flags.cf(c);
                r = d & m;
                for (int k = 0; k < n; k++) {
                    boolean out = (r & sb) != 0;
                    r = ((r << 1) | (cf ? 1 : 0)) & m;
                    cf = out;
                }
                f = withCfOf(c, cf, ((r & sb) != 0) ^ cf);
            }
            case 3 -> {
                int n = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
                boolean cf = Flags.cf(c);
                r = d & m;
                boolean of = ((r & sb) != 0) ^ cf;
                for (int k = 0; k < n; k++) {
                    boolean out = (r & 1) != 0;
                    r = (r >>> 1) | (cf ? sb : 0);
                    cf = out;
                }
                f = withCfOf(c, cf, of);
            }
            case 4, 6 -> r = d << count;
            case 5 -> r = (d & m) >>> count;
            default -> r = Flags.signExtend(d, size) >> count;
        }
        if (i.mem) {
            c.mem.write(i.seg, ea, size, r);
        } else {
            c.setReg(i.rm, size, r);
        }
        if (f >= 0) {
            Flags.setArith(c, f);
        } else {
            Operands.setFlags(c, i.sub == 5 ? Flags.SHR : i.sub == 7 ? Flags.SAR : Flags.SHL, d & m, count, r, size);
        }
    }

    /** A 32-bit register destination is written (upper half zeroed) even when nothing shifts. */
    private static void zeroExtend(Cpu c, Insn i) {
        if (!i.mem && i.osz == 4) {
            c.r[i.rm] &= 0xffffffffL;
        }
    }

    private static long rotl(long v, int n, int bits) {
        if (n == 0) {
            return v;
        }
        if (bits == 64) {
            return Long.rotateLeft(v, n);
        }
        long m = (1L << bits) - 1;
        v &= m;
        return ((v << n) | (v >>> (bits - n))) & m;
    }

    private static long withCfOf(Cpu c, boolean cf, boolean of) {
        long f = Flags.arith(c) & ~(Flags.CF | Flags.OF);
        return f | (cf ? Flags.CF : 0) | (of ? Flags.OF : 0);
    }

    /** SHLD ({@code left}) and SHRD: the r/m operand shifted with bits from the register. */
    static void doubleShift(Cpu c, Insn i, boolean left) {
        int size = i.osz;
        int count = count(c, i);
        long ea = i.mem ? ea(c, i) : 0;
        long d = i.mem ? c.mem.read(i.seg, ea, size) : c.reg(i.rm, size);
        if (count == 0) {
            zeroExtend(c, i);
            return;
        }
        long s = c.reg(i.reg, size);
        int bits = size * 8;
        long m = Flags.mask(size);
        long r;
        boolean cf;
        if (size == 2) {
            // 16-bit forms with counts above 16 shift through a 32-bit concatenation, as CPUs do.
            long cat = left ? (d << 16) | s : (s << 16) | d;
            if (left) {
                long wide = (cat << count) | (count > 16 ? (d << (count - 16)) : 0);
                r = (wide >>> 16) & m;
                cf = ((cat >>> (32 - count)) & 1) != 0;
            } else {
                long wide = cat | (d << 32);
                r = (wide >>> count) & m;
                cf = ((wide >>> (count - 1)) & 1) != 0;
            }
        } else if (left) {
            r = ((d << count) | (s >>> (bits - count))) & m;
            cf = ((d >>> (bits - count)) & 1) != 0;
        } else {
            r = (((d & m) >>> count) | (s << (bits - count))) & m;
            cf = ((d >>> (count - 1)) & 1) != 0;
        }
        if (i.mem) {
            c.mem.write(i.seg, ea, size, r);
        } else {
            c.setReg(i.rm, size, r);
        }
        long sb = Flags.signBit(size);
        long f = cf ? Flags.CF : 0;
        if (((r ^ d) & sb) != 0) {
            f |= Flags.OF;
        }
        if ((r & m) == 0) {
            f |= Flags.ZF;
        }
        if ((r & sb) != 0) {
            f |= Flags.SF;
        }
        if ((Long.bitCount(r & 0xff) & 1) == 0) {
            f |= Flags.PF;
        }
        Flags.setArith(c, f);
    }
}
