package vmm.x86.emu.diff;

import static vmm.x86.emu.diff.Layout.AF;
import static vmm.x86.emu.diff.Layout.ARITH;
import static vmm.x86.emu.diff.Layout.PF;
import static vmm.x86.emu.diff.Layout.RAX;
import static vmm.x86.emu.diff.Layout.RCX;
import static vmm.x86.emu.diff.Layout.RDX;
import static vmm.x86.emu.diff.Layout.SF;
import static vmm.x86.emu.diff.Layout.ZF;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * MUL, IMUL (one, two and three operands), DIV and IDIV. SDM: after MUL/IMUL only CF and OF
 * are defined ("The SF, ZF, AF, and PF flags are undefined"); after DIV/IDIV all six status
 * flags are undefined. Divide inputs are adjusted so that no case raises #DE: the quotient
 * fits and the divisor is not zero (#DE itself is checked by {@link FeatureGateDiffTest}).
 */
final class MulDivForms {
    static final long MUL_UNDEF = SF | ZF | AF | PF;

    private MulDivForms() {
    }

    static List<Form> forms() {
        List<Form> out = new ArrayList<>();
        Undef.Rule mul = Undef.Rule.flags(MUL_UNDEF), div = Undef.Rule.flags(ARITH);
        for (int w : Asm.WIDTHS) {
            String c = Asm.reg(RCX, w);
            for (String op : new String[] {"mul", "imul"}) {
                out.add(new Form(op + " r" + w, op + " " + c, false, Form.Gen.of(Slot.reg(RAX, w), Slot.reg(RCX, w)),
                        mul, null));
                out.add(new Form(op + " m" + w, op + " " + Asm.mem(w, 8), true,
                        Form.Gen.of(Slot.reg(RAX, w), Slot.mem(8, w)), mul, null));
            }
            for (String op : new String[] {"div", "idiv"}) {
                boolean signed = op.equals("idiv");
                out.add(new Form(op + " r" + w, op + " " + c, false,
                        Form.Gen.of(Slot.reg(RAX, w), Slot.reg(RCX, w), Slot.reg(RDX, w))
                                .then(divFix(w, signed, false)), div, null));
                out.add(new Form(op + " m" + w, op + " " + Asm.mem(w, 8), true,
                        Form.Gen.of(Slot.reg(RAX, w), Slot.mem(8, w), Slot.reg(RDX, w))
                                .then(divFix(w, signed, true)), div, null));
            }
            if (w == 8) {
                continue;
            }
            String a = Asm.reg(RAX, w);
            out.add(new Form("imul r" + w + ",r" + w, "imul " + a + ", " + c, false,
                    Form.Gen.of(Slot.reg(RAX, w), Slot.reg(RCX, w)), mul, null));
            out.add(new Form("imul r" + w + ",m" + w, "imul " + a + ", " + Asm.mem(w, 8), true,
                    Form.Gen.of(Slot.reg(RAX, w), Slot.mem(8, w)), mul, null));
            for (long imm : new long[] {-1, 3, 0x7f, -128, w == 16 ? 0x7fff : 0x7fffffff, w == 16 ? -0x8000 : -0x80000000L,
                    0x12345 & Values.mask(Math.min(w, 31))}) {
                out.add(new Form("imul r" + w + ",r" + w + "," + Asm.hex(imm), "imul " + a + ", " + c + ", " + Asm.hex(imm),
                        false, Form.Gen.of(Slot.reg(RCX, w)), mul, null));
            }
            out.add(new Form("imul r" + w + ",m" + w + ",imm", "imul " + a + ", " + Asm.mem(w, 8) + ", -3", true,
                    Form.Gen.of(Slot.mem(8, w)), mul, null));
        }
        return out;
    }

    /** Makes the divide legal: a non-zero divisor and a quotient that fits. */
    static Form.Fixup divFix(int w, boolean signed, boolean mem) {
        return (b, rnd) -> {
            long m = Values.mask(w);
            long d = (mem ? b.getMem(8, w) : b.gpr[RCX]) & m;
            if (d == 0) {
                d = 1 + rnd.nextInt(100);
            }
            long lo, hi;
            if (w == 8) {
                lo = b.gpr[RAX] & 0xff;
                hi = (b.gpr[RAX] >>> 8) & 0xff;
            } else {
                lo = b.gpr[RAX] & m;
                hi = b.gpr[RDX] & m;
            }
            if (!fits(hi, lo, d, w, signed)) {
                if (signed) {
                    hi = (lo >>> (w - 1) & 1) != 0 ? m : 0;
                } else {
                    hi = Long.remainderUnsigned(hi, d);
                }
            }
            if (!fits(hi, lo, d, w, signed)) {
                d = 1;
            }
            if (mem) {
                b.setMem(8, w, d);
            } else {
                b.setLow(RCX, w, d);
            }
            if (w == 8) {
                b.setLow(RAX, 16, (hi << 8) | lo);
            } else {
                b.setLow(RAX, w, lo);
                b.setLow(RDX, w, hi);
            }
        };
    }

    static boolean fits(long hi, long lo, long d, int w, boolean signed) {
        BigInteger n = BigInteger.valueOf(hi).and(mask(w)).shiftLeft(w).or(BigInteger.valueOf(lo).and(mask(w)));
        BigInteger dv = BigInteger.valueOf(d).and(mask(w));
        if (signed) {
            n = n.testBit(2 * w - 1) ? n.subtract(BigInteger.ONE.shiftLeft(2 * w)) : n;
            dv = dv.testBit(w - 1) ? dv.subtract(BigInteger.ONE.shiftLeft(w)) : dv;
        }
        if (dv.signum() == 0) {
            return false;
        }
        BigInteger q = n.divide(dv);
        return signed ? q.bitLength() < w : q.bitLength() <= w;
    }

    private static BigInteger mask(int w) {
        return BigInteger.ONE.shiftLeft(w).subtract(BigInteger.ONE);
    }
}
