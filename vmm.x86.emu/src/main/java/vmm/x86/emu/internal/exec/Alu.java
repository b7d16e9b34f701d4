package vmm.x86.emu.internal.exec;

import static vmm.x86.emu.internal.exec.Operands.ea;
import static vmm.x86.emu.internal.exec.Operands.setFlags;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.decode.Insn;

/** ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST, INC, DEC, NOT, NEG (LOCK-able forms atomic). */
final class Alu {
    private Alu() {
    }

    private static final int[] KIND = {Flags.ADD, Flags.LOGIC, Flags.ADC, Flags.SBB, Flags.LOGIC, Flags.SUB,
            Flags.LOGIC, Flags.SUB};

    static long compute(int op, long d, long s, long carry) {
        return switch (op) {
            case 0 -> d + s;
            case 1 -> d | s;
            case 2 -> d + s + carry;
            case 3 -> d - s - carry;
            case 4 -> d & s;
            case 5, 7 -> d - s;
            default -> d ^ s;
        };
    }

    private static void flags(Cpu c, int op, long d, long s, long r, int size, long carry) {
        setFlags(c, KIND[op], d, s, r, size);
        c.fAux = carry;
    }

    /** The ALU group with an r/m destination and {@code src} (a register or an immediate). */
    static void rm(Cpu c, Insn i, long src) {
        int size = i.osz;
        int op = i.sub;
        long carry = (op == 2 || op == 3) && Flags.cf(c) ? 1 : 0;
        if (!i.mem) {
            long d = c.reg(i.rm, size);
            long r = compute(op, d, src, carry);
            if (op != 7) {
                c.setReg(i.rm, size, r);
            }
            flags(c, op, d, src, r, size, carry);
            return;
        }
        long ea = ea(c, i);
        long d;
        long r;
        if (op == 7) {
            d = c.mem.read(i.seg, ea, size);
            r = d - src;
        } else if (i.lock) {
            do {
                d = c.mem.lockedRead(i.seg, ea, size);
                r = compute(op, d, src, carry);
            } while (!c.mem.lockedCas(size, d, r));
        } else {
            d = c.mem.read(i.seg, ea, size);
            r = compute(op, d, src, carry);
            c.mem.write(i.seg, ea, size, r);
        }
        flags(c, op, d, src, r, size, carry);
    }

    static void rRm(Cpu c, Insn i) {
        int size = i.osz;
        int op = i.sub;
        long carry = (op == 2 || op == 3) && Flags.cf(c) ? 1 : 0;
        long s = Operands.readRm(c, i, size);
        long d = c.reg(i.reg, size);
        long r = compute(op, d, s, carry);
        if (op != 7) {
            c.setReg(i.reg, size, r);
        }
        flags(c, op, d, s, r, size, carry);
    }

    static void test(Cpu c, Insn i, long src) {
        long d = Operands.readRm(c, i, i.osz);
        setFlags(c, Flags.LOGIC, d, src, d & src, i.osz);
    }

    /** INC (delta 1) and DEC (delta -1): CF is kept. */
    static void incDec(Cpu c, Insn i, boolean inc) {
        int size = i.osz;
        long cf = Flags.cf(c) ? 1 : 0;
        long d;
        long r;
        if (!i.mem) {
            d = c.reg(i.rm, size);
            r = inc ? d + 1 : d - 1;
            c.setReg(i.rm, size, r);
        } else {
            long ea = ea(c, i);
            if (i.lock) {
                do {
                    d = c.mem.lockedRead(i.seg, ea, size);
                    r = inc ? d + 1 : d - 1;
                } while (!c.mem.lockedCas(size, d, r));
            } else {
                d = c.mem.read(i.seg, ea, size);
                r = inc ? d + 1 : d - 1;
                c.mem.write(i.seg, ea, size, r);
            }
        }
        setFlags(c, inc ? Flags.INC : Flags.DEC, d, 1, r, size);
        c.fAux = cf;
    }

    static void notNeg(Cpu c, Insn i, boolean neg) {
        int size = i.osz;
        long d;
        long r;
        if (!i.mem) {
            d = c.reg(i.rm, size);
            r = neg ? -d : ~d;
            c.setReg(i.rm, size, r);
        } else {
            long ea = ea(c, i);
            if (i.lock) {
                do {
                    d = c.mem.lockedRead(i.seg, ea, size);
                    r = neg ? -d : ~d;
                } while (!c.mem.lockedCas(size, d, r));
            } else {
                d = c.mem.read(i.seg, ea, size);
                r = neg ? -d : ~d;
                c.mem.write(i.seg, ea, size, r);
            }
        }
        if (neg) {
            setFlags(c, Flags.SUB, 0, d, r, size);
        }
    }
}
