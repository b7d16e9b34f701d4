package vmm.x86.emu.internal.exec;

import static vmm.x86.emu.internal.exec.Operands.ea;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;

/** MOV forms, LEA, MOVZX/MOVSX/MOVSXD, XCHG, CMOVcc, SETcc, CBW/CWD family, LAHF/SAHF, XLAT,
 * CMPXCHG, CMPXCHG8B, XADD. */
final class DataOps {
    private DataOps() {
    }

    static void movzx(Cpu c, Insn i, boolean signed) {
        int srcSize = i.cc;
        long v = Operands.readRm(c, i, srcSize);
        c.setReg(i.reg, i.osz, signed ? Flags.signExtend(v, srcSize) : v);
    }

    static void movsxd(Cpu c, Insn i) {
        long v = Operands.readRm(c, i, i.osz == 2 ? 2 : 4);
        c.setReg(i.reg, i.osz, i.osz == 8 ? (int) v : v);
    }

    static void xchg(Cpu c, Insn i) {
        int size = i.osz;
        long s = c.reg(i.reg, size);
        if (!i.mem) {
            long d = c.reg(i.rm, size);
            c.setReg(i.rm, size, s);
            c.setReg(i.reg, size, d);
            return;
        }
        // XCHG with memory is locked whether or not the prefix is there.
        long ea = ea(c, i);
        long d;
        do {
            d = c.mem.lockedRead(i.seg, ea, size);
        } while (!c.mem.lockedCas(size, d, s));
        c.setReg(i.reg, size, d);
    }

    static void cmov(Cpu c, Insn i) {
        long v = Operands.readRm(c, i, i.osz);
        if (Flags.cond(c, i.cc)) {
            c.setReg(i.reg, i.osz, v);
        } else if (i.osz == 4) {
            c.setReg(i.reg, 4, c.r[i.reg]);
        }
    }

    static void cbw(Cpu c, Insn i) {
        switch (i.osz) {
            case 2 -> c.setReg(0, 2, (byte) c.r[0]);
            case 4 -> c.setReg(0, 4, (short) c.r[0]);
            default -> c.r[0] = (int) c.r[0];
        }
    }

    static void cwd(Cpu c, Insn i) {
        long sign = Flags.signExtend(c.reg(0, i.osz), i.osz) < 0 ? -1 : 0;
        c.setReg(2, i.osz, sign);
    }

    static void lahf(Cpu c) {
        c.setReg(16, 1, (Flags.arith(c) & 0xd5) | 2);
    }

    static void sahf(Cpu c) {
        long ah = (c.r[0] >>> 8) & 0xd5;
        Flags.setArith(c, (Flags.arith(c) & Flags.OF) | ah);
    }

    static void xlat(Cpu c, Insn i) {
        long addr = Operands.mask(c.r[3] + (c.r[0] & 0xff), i.asz);
        c.setReg(0, 1, c.mem.read(i.seg, addr, 1));
    }

    static void cmpxchg(Cpu c, Insn i) {
        int size = i.osz;
        long acc = c.reg(0, size);
        long src = c.reg(i.reg, size);
        long d;
        boolean equal;
        if (!i.mem) {
            d = c.reg(i.rm, size);
            equal = d == acc;
            if (equal) {
                c.setReg(i.rm, size, src);
            }
        } else {
            long ea = ea(c, i);
            if (i.lock) {
                long nv;
                do {
                    d = c.mem.lockedRead(i.seg, ea, size);
                    equal = d == acc;
                    nv = equal ? src : d;
                } while (!c.mem.lockedCas(size, d, nv));
            } else {
                d = c.mem.read(i.seg, ea, size);
                equal = d == acc;
                c.mem.write(i.seg, ea, size, equal ? src : d);
            }
        }
        if (!equal) {
            c.setReg(0, size, d);
        }
        Operands.setFlags(c, Flags.SUB, acc, d, acc - d, size);
    }

    static void cmpxchg8b(Cpu c, Insn i) {
        long ea = ea(c, i);
        long expected = (c.r[0] & 0xffffffffL) | (c.r[2] << 32);
        long update = (c.r[3] & 0xffffffffL) | (c.r[1] << 32);
        long d;
        boolean equal;
        do {
            d = c.mem.lockedRead(i.seg, ea, 8);
            equal = d == expected;
        } while (!c.mem.lockedCas(8, d, equal ? update : d));
        if (!equal) {
            c.setReg(0, 4, d);
            c.setReg(2, 4, d >>> 32);
        }
        long f = Flags.arith(c) & ~Flags.ZF;
        Flags.setArith(c, equal ? f | Flags.ZF : f);
    }

    static void xadd(Cpu c, Insn i) {
        int size = i.osz;
        long s = c.reg(i.reg, size);
        long d;
        long r;
        if (!i.mem) {
            d = c.reg(i.rm, size);
            r = d + s;
            c.setReg(i.reg, size, d);
            c.setReg(i.rm, size, r);
        } else {
            long ea = ea(c, i);
            if (i.lock) {
                do {
                    d = c.mem.lockedRead(i.seg, ea, size);
                    r = d + s;
                } while (!c.mem.lockedCas(size, d, r));
            } else {
                d = c.mem.read(i.seg, ea, size);
                r = d + s;
                c.mem.write(i.seg, ea, size, r);
            }
            c.setReg(i.reg, size, d);
        }
        Operands.setFlags(c, Flags.ADD, d, s, r, size);
    }
}
