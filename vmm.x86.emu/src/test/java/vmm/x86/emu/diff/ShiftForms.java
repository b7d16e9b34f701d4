package vmm.x86.emu.diff;

import static vmm.x86.emu.diff.Layout.AF;
import static vmm.x86.emu.diff.Layout.ARITH;
import static vmm.x86.emu.diff.Layout.CF;
import static vmm.x86.emu.diff.Layout.OF;
import static vmm.x86.emu.diff.Layout.RAX;
import static vmm.x86.emu.diff.Layout.RCX;
import static vmm.x86.emu.diff.Layout.RDX;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * SHL SHR SAR ROL ROR RCL RCR by 1, by an immediate and by CL (counts 0, 31, 32, 63, 64 and
 * up, which the CPU masks to 5 or 6 bits), and SHLD/SHRD. What the SDM leaves undefined
 * (vol. 2B, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD):
 * <ul>
 * <li>masked count 0: no flag changes, nothing undefined;</li>
 * <li>shifts: AF undefined for a non-zero count; OF defined only for a count of 1; SHL/SHR
 * leave CF undefined when the count is not below the operand size (8/16-bit operands);</li>
 * <li>rotates: only CF and OF change; OF is defined only for a masked count of 1;</li>
 * <li>SHLD/SHRD: AF undefined, OF defined only for 1; a count above the operand size (16-bit
 * forms only) leaves the destination and all flags undefined.</li>
 * </ul>
 */
final class ShiftForms {
    static final String[] SHIFTS = {"shl", "shr", "sar"};
    static final String[] ROTATES = {"rol", "ror", "rcl", "rcr"};
    static final int[] IMM_COUNTS = {0, 2, 7, 8, 15, 16, 31, 32, 33, 63};

    private ShiftForms() {
    }

    static int masked(int count, int w) {
        return count & (w == 64 ? 0x3f : 0x1f);
    }

    static Undef.Rule rule(String op, int w, ToIntFunction<CaseInput> count) {
        boolean rotate = op.startsWith("r");
        return in -> {
            int c = masked(count.applyAsInt(in), w);
            if (c == 0) {
                return Undef.NONE;
            }
            long u = c == 1 ? 0 : OF;
            if (!rotate) {
                u |= AF;
                if (!op.equals("sar") && c >= w) {
                    u |= CF;
                }
            }
            return Undef.flags(u);
        };
    }

    static Undef.Rule doubleRule(int w, boolean mem, ToIntFunction<CaseInput> count) {
        return in -> {
            int c = masked(count.applyAsInt(in), w);
            if (c == 0) {
                return Undef.NONE;
            }
            if (c > w) {
                Undef u = Undef.flags(ARITH);
                return mem ? u.withMem(CaseBuilder.off(8), w / 8) : u.withReg(RAX, Values.mask(w));
            }
            return Undef.flags(AF | (c == 1 ? 0 : OF));
        };
    }

    static int cl(CaseInput in) {
        return (int) (in.gpr()[RCX] & 0xff);
    }

    static List<Form> forms() {
        List<Form> out = new ArrayList<>();
        for (String op : SHIFTS) {
            shifts(out, op);
        }
        for (String op : ROTATES) {
            shifts(out, op);
        }
        for (String op : new String[] {"shld", "shrd"}) {
            for (int w : new int[] {16, 32, 64}) {
                String d = Asm.reg(RAX, w), s = Asm.reg(RDX, w);
                out.add(new Form(op + " r" + w + ",cl", op + " " + d + ", " + s + ", cl", false,
                        Form.Gen.of(Slot.countCl(), Slot.reg(RAX, w), Slot.reg(RDX, w)),
                        doubleRule(w, false, ShiftForms::cl), null));
                out.add(new Form(op + " m" + w + ",cl", op + " " + Asm.mem(w, 8) + ", " + s + ", cl", true,
                        Form.Gen.of(Slot.countCl(), Slot.mem(8, w), Slot.reg(RDX, w)),
                        doubleRule(w, true, ShiftForms::cl), null));
                for (int c : new int[] {0, 1, 4, 15, 16, 17, 31, 32, 33, 63}) {
                    out.add(new Form(op + " r" + w + "," + c, op + " " + d + ", " + s + ", " + c, false,
                            Form.Gen.of(Slot.reg(RAX, w), Slot.reg(RDX, w)), doubleRule(w, false, in -> c), null));
                }
            }
        }
        return out;
    }

    private static void shifts(List<Form> out, String op) {
        boolean carryIn = op.equals("rcl") || op.equals("rcr");
        for (int w : Asm.WIDTHS) {
            String d = Asm.reg(RAX, w);
            out.add(form(op + " r" + w + ",cl", op + " " + d + ", cl", false, rule(op, w, ShiftForms::cl), carryIn,
                    Slot.countCl(), Slot.reg(RAX, w)));
            out.add(form(op + " m" + w + ",cl", op + " " + Asm.mem(w, 8) + ", cl", true, rule(op, w, ShiftForms::cl),
                    carryIn, Slot.countCl(), Slot.mem(8, w)));
            out.add(form(op + " r" + w + ",1", op + " " + d + ", 1", false, rule(op, w, in -> 1), carryIn,
                    Slot.reg(RAX, w)));
            out.add(form(op + " m" + w + ",1", op + " " + Asm.mem(w, -8) + ", 1", true, rule(op, w, in -> 1),
                    carryIn, Slot.mem(-8, w)));
            out.add(form(op + " m" + w + ",3", op + " " + Asm.mem(w, 0) + ", 3", true, rule(op, w, in -> 3),
                    carryIn, Slot.mem(0, w)));
            for (int c : IMM_COUNTS) {
                out.add(form(op + " r" + w + "," + c, op + " " + d + ", " + c, false, rule(op, w, in -> c), carryIn,
                        Slot.reg(RAX, w)));
            }
        }
        out.add(form(op + " r9,cl", op + " r9, cl", false, rule(op, 64, ShiftForms::cl), carryIn,
                Slot.countCl(), Slot.reg(9, 64)));
        out.add(form(op + " dh,cl", op + " dh, cl", false, rule(op, 8, ShiftForms::cl), carryIn,
                Slot.countCl(), Slot.high8(RDX)));
    }

    private static Form form(String name, String asm, boolean mem, Undef.Rule undef, boolean carryIn, Slot... slots) {
        List<Slot> s = new ArrayList<>(List.of(slots));
        if (carryIn) {
            s.add(Slot.flag(CF));
        }
        return new Form(name, asm, mem, Form.Gen.of(s), undef, null);
    }
}
