package vmm.x86.emu.diff;

import static vmm.x86.emu.diff.Layout.RCX;
import static vmm.x86.emu.diff.Layout.ZF;

import java.util.ArrayList;
import java.util.List;

/**
 * Conditional branches for all 16 conditions (short and near), LOOP/LOOPE/LOOPNE, JRCXZ/JECXZ,
 * and string moves with a 32-bit address size (ECX/ESI/EDI). Each branch records whether it
 * was taken in a register, so a wrong condition shows as a register difference.
 */
final class ControlForms {
    private ControlForms() {
    }

    static List<Form> forms() {
        List<Form> out = new ArrayList<>();
        for (String cc : MoveForms.CONDITIONS) {
            out.add(new Form("j" + cc + " short", "mov r8d, 1\nj" + cc + " 1f\nmov r8d, 2\n1:", false,
                    Form.Gen.of(MoveForms.flagCombos()), Undef.Rule.none(), null));
            out.add(new Form("j" + cc + " near", "mov r8d, 1\nj" + cc + " 1f\nmov r8d, 2\n.fill 130, 1, 0x90\n1:",
                    false, Form.Gen.of(MoveForms.flagCombos()), Undef.Rule.none(), null).withName("j" + cc + " near"));
        }
        // Counts that end soon: LOOP runs RCX times (0 would be 2^64), LOOPE stops at the first
        // compare (not equal), LOOPNE at the fifth (equal).
        long[][] counts = {{1, 2, 3, 7}, {0, 1, 3, -1}, {0, 1, 3, 7, -1, 0x100000001L}};
        String[] loops = {"loop", "loope", "loopne"};
        for (int k = 0; k < loops.length; k++) {
            out.add(new Form(loops[k], "xor r8d, r8d\n1: inc r8d\ncmp r8d, 5\n" + loops[k] + " 1b", false,
                    Form.Gen.of(Slot.oneOf(RCX, counts[k]), Slot.flag(ZF)), Undef.Rule.none(), null));
        }
        out.add(new Form("loop addr32", "xor r8d, r8d\n1: inc r8d\ncmp r8d, 9\n.byte 0x67, 0xe2, 0xf6", false,
                Form.Gen.of(Slot.oneOf(RCX, 3, 0x100000002L, 0x700000005L)), Undef.Rule.none(), null));
        out.add(new Form("jrcxz", "mov r8d, 1\njrcxz 1f\nmov r8d, 2\n1:", false,
                Form.Gen.of(Slot.oneOf(RCX, 0, 1, 0x100000000L, -1L)), Undef.Rule.none(), null));
        out.add(new Form("jecxz", "mov r8d, 1\njecxz 1f\nmov r8d, 2\n1:", false,
                Form.Gen.of(Slot.oneOf(RCX, 0, 1, 0x100000000L, -1L)), Undef.Rule.none(), null));
        for (String s : new String[] {"movsb", "stosd", "cmpsb"}) {
            boolean cmp = s.startsWith("cmps");
            out.add(new Form("addr32 rep " + s, ".byte 0x67\n" + (cmp ? "repe " : "rep ") + s, true,
                    Form.Gen.of(Slot.flag(Layout.DF)).then(StringForms.setup(s.endsWith("d") ? 32 : 8, cmp, false))
                            .then((b, rnd) -> b.gpr[RCX] |= rnd.nextBoolean() ? 0xabcd_0000_0000L : 0),
                    Undef.Rule.none(), null));
        }
        return out;
    }
}
