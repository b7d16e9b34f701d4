package vmm.x86.emu.diff;

import static vmm.x86.emu.diff.Layout.AF;
import static vmm.x86.emu.diff.Layout.CF;
import static vmm.x86.emu.diff.Layout.RAX;
import static vmm.x86.emu.diff.Layout.RCX;
import static vmm.x86.emu.diff.Layout.RDX;

import java.util.ArrayList;
import java.util.List;

/**
 * ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NEG NOT in 8/16/32/64-bit reg/reg, reg/imm,
 * reg/mem, mem/reg and mem/imm forms. SDM: every flag is defined for the arithmetic ones; AND,
 * OR, XOR and TEST leave AF undefined ("The state of the AF flag is undefined"); NOT changes no
 * flag.
 */
final class AluForms {
    static final String[] BINARY = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};

    private AluForms() {
    }

    static boolean logic(String op) {
        return op.equals("and") || op.equals("or") || op.equals("xor") || op.equals("test");
    }

    static long[] immediates(int w) {
        return switch (w) {
            case 8 -> new long[] {0, 1, 0x7f, 0x80, 0xff};
            case 16 -> new long[] {0, 1, -1, 0x7f, -128, 0x7fff, 0x8000};
            case 32 -> new long[] {0, 1, -1, 0x7f, -128, 0x7fffffff, 0x80000000L};
            default -> new long[] {0, 1, -1, 0x7f, -128, 0x7fffffff, -0x80000000L};
        };
    }

    static List<Form> forms() {
        List<Form> out = new ArrayList<>();
        for (String op : BINARY) {
            binary(out, op);
        }
        test(out);
        for (String op : new String[] {"inc", "dec", "neg", "not"}) {
            for (int w : Asm.WIDTHS) {
                out.add(new Form(op + " r" + w, op + " " + Asm.reg(RAX, w), false,
                        Form.Gen.of(Slot.reg(RAX, w)), Undef.Rule.none(), null));
                out.add(new Form(op + " m" + w, op + " " + Asm.mem(w, 8), true,
                        Form.Gen.of(Slot.mem(8, w)), Undef.Rule.none(), null));
            }
            out.add(new Form(op + " r11", op + " r11", false, Form.Gen.of(Slot.reg(11, 64)), Undef.Rule.none(), null));
            out.add(new Form(op + " r11b", op + " r11b", false, Form.Gen.of(Slot.reg(11, 8)), Undef.Rule.none(), null));
            out.add(new Form(op + " ah", op + " ah", false, Form.Gen.of(Slot.high8(RAX)), Undef.Rule.none(), null));
        }
        return out;
    }

    private static void binary(List<Form> out, String op) {
        Undef.Rule undef = logic(op) ? Undef.Rule.flags(AF) : Undef.Rule.none();
        boolean carryIn = op.equals("adc") || op.equals("sbb");
        for (int w : Asm.WIDTHS) {
            out.add(form(op + " r" + w + ",r" + w, op + " " + Asm.reg(RAX, w) + ", " + Asm.reg(RDX, w), false,
                    undef, carryIn, Slot.reg(RAX, w), Slot.reg(RDX, w)));
            out.add(form(op + " r" + w + ",m" + w, op + " " + Asm.reg(RDX, w) + ", " + Asm.mem(w, 8), true,
                    undef, carryIn, Slot.reg(RDX, w), Slot.mem(8, w)));
            out.add(form(op + " m" + w + ",r" + w, op + " " + Asm.mem(w, -16) + ", " + Asm.reg(RDX, w), true,
                    undef, carryIn, Slot.mem(-16, w), Slot.reg(RDX, w)));
            out.add(form(op + " r" + w + "(rex),r" + w, op + " " + Asm.reg(9, w) + ", " + Asm.reg(14, w), false,
                    undef, carryIn, Slot.reg(9, w), Slot.reg(14, w)));
            for (long imm : immediates(w)) {
                out.add(form(op + " r" + w + ",imm " + Asm.hex(imm), op + " " + Asm.reg(RCX, w) + ", " + Asm.hex(imm),
                        false, undef, carryIn, Slot.reg(RCX, w)));
            }
            long big = immediates(w)[immediates(w).length - 1];
            out.add(form(op + " acc" + w + ",imm", op + " " + Asm.reg(RAX, w) + ", " + Asm.hex(big), false, undef,
                    carryIn, Slot.reg(RAX, w)));
            out.add(form(op + " acc" + w + ",imm1", op + " " + Asm.reg(RAX, w) + ", 1", false, undef, carryIn,
                    Slot.reg(RAX, w)));
            out.add(form(op + " m" + w + ",imm", op + " " + Asm.mem(w, 0) + ", " + Asm.hex(big), true, undef,
                    carryIn, Slot.mem(0, w)));
            out.add(form(op + " m" + w + ",imm -1", op + " " + Asm.mem(w, 0) + ", " + (w == 8 ? "0xff" : "-1"), true,
                    undef, carryIn, Slot.mem(0, w)));
        }
        out.add(form(op + " ah,ch", op + " ah, ch", false, undef, carryIn, Slot.high8(RAX), Slot.high8(RCX)));
        out.add(form(op + " sil,dl", op + " sil, dl", false, undef, carryIn, Slot.reg(6, 8), Slot.reg(RDX, 8)));
    }

    private static void test(List<Form> out) {
        Undef.Rule undef = Undef.Rule.flags(AF);
        for (int w : Asm.WIDTHS) {
            out.add(form("test r" + w + ",r" + w, "test " + Asm.reg(RAX, w) + ", " + Asm.reg(RDX, w), false, undef,
                    false, Slot.reg(RAX, w), Slot.reg(RDX, w)));
            out.add(form("test m" + w + ",r" + w, "test " + Asm.mem(w, 8) + ", " + Asm.reg(RDX, w), true, undef,
                    false, Slot.mem(8, w), Slot.reg(RDX, w)));
            for (long imm : new long[] {1, 0x80, immediates(w)[immediates(w).length - 1]}) {
                out.add(form("test r" + w + ",imm " + Asm.hex(imm), "test " + Asm.reg(RCX, w) + ", " + Asm.hex(imm),
                        false, undef, false, Slot.reg(RCX, w)));
                out.add(form("test acc" + w + ",imm " + Asm.hex(imm), "test " + Asm.reg(RAX, w) + ", " + Asm.hex(imm),
                        false, undef, false, Slot.reg(RAX, w)));
            }
            out.add(form("test m" + w + ",imm", "test " + Asm.mem(w, 8) + ", 0x41", true, undef, false,
                    Slot.mem(8, w)));
        }
    }

    static Form form(String name, String asm, boolean mem, Undef.Rule undef, boolean carryIn, Slot... slots) {
        List<Slot> s = new ArrayList<>(List.of(slots));
        if (carryIn) {
            s.add(Slot.flag(CF));
        }
        return new Form(name, asm, mem, Form.Gen.of(s), undef, null);
    }
}
