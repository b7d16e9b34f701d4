package vmm.x86.emu.internal.exec;

import static vmm.x86.emu.internal.exec.Operands.ea;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;

/** BT, BTS, BTR, BTC (register, immediate, LOCK), BSF, BSR, BSWAP. */
final class BitOps {
    private BitOps() {
    }

    static void bt(Cpu c, Insn i, boolean immediate) {
        int size = i.osz;
        int bits = size * 8;
        long offset = immediate ? i.imm : Flags.signExtend(c.reg(i.reg, size), size);
        int bit = (int) (offset & (bits - 1));
        long mask = 1L << bit;
        boolean cf;
        if (!i.mem) {
            long d = c.reg(i.rm, size);
            cf = (d & mask) != 0;
            if (i.sub != 4) {
                c.setReg(i.rm, size, apply(i.sub, d, mask));
            }
        } else {
            long ea = ea(c, i);
            if (!immediate) {
                ea = Operands.mask(ea + (offset >> (bits == 64 ? 6 : bits == 32 ? 5 : 4)) * size, i.asz);
            }
            long d;
            if (i.sub == 4) {
                d = c.mem.read(i.seg, ea, size);
            } else if (i.lock) {
                long nv;
                do {
                    d = c.mem.lockedRead(i.seg, ea, size);
                    nv = apply(i.sub, d, mask);
                } while (!c.mem.lockedCas(size, d, nv));
            } else {
                d = c.mem.read(i.seg, ea, size);
                c.mem.write(i.seg, ea, size, apply(i.sub, d, mask));
            }
            cf = (d & mask) != 0;
        }
        Flags.setArith(c, (Flags.arith(c) & ~Flags.CF) | (cf ? Flags.CF : 0));
    }

    private static long apply(int op, long d, long mask) {
        return switch (op) {
            case 5 -> d | mask;
            case 6 -> d & ~mask;
            default -> d ^ mask;
        };
    }

    static void bsf(Cpu c, Insn i, boolean forward) {
        int size = i.osz;
        long s = Operands.readRm(c, i, size);
        long f = Flags.arith(c) & ~Flags.ZF;
        if (s == 0) {
            Flags.setArith(c, f | Flags.ZF);
            return;
        }
        int idx = forward ? Long.numberOfTrailingZeros(s) : 63 - Long.numberOfLeadingZeros(s);
        c.setReg(i.reg, size, idx);
        Flags.setArith(c, f);
    }

    static void bswap(Cpu c, Insn i) {
        switch (i.osz) {
            case 8 -> c.r[i.rm] = Long.reverseBytes(c.r[i.rm]);
            case 4 -> c.setReg(i.rm, 4, Integer.reverseBytes((int) c.r[i.rm]) & 0xffffffffL);
            default -> c.setReg(i.rm, 2, 0);
        }
    }
}
