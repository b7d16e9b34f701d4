package vmm.x86.emu.diff;

import static vmm.x86.emu.diff.Layout.DF;
import static vmm.x86.emu.diff.Layout.MEM_BASE;
import static vmm.x86.emu.diff.Layout.RBP;
import static vmm.x86.emu.diff.Layout.RDX;

import java.util.ArrayList;
import java.util.List;

/**
 * PUSH POP (register, immediate, memory, 16-bit, RSP itself), PUSHF POPF, ENTER LEAVE. The
 * guest runs at CPL 0 and the native harness at CPL 3, so the pushed IF (1 natively, 0 in the
 * guest) is masked, and POPF is given an image with IOPL 0 (what CPL 3 keeps) and no AC or TF.
 */
final class StackForms {
    private StackForms() {
    }

    static Form plain(String name, String asm, Slot... slots) {
        return new Form(name, asm, true, Form.Gen.of(slots), Undef.Rule.none(), null);
    }

    static List<Form> forms() {
        List<Form> out = new ArrayList<>();
        out.add(plain("push r64;pop r64", "push rdx\npop rcx"));
        out.add(plain("push r9;pop r10", "push r9\npop r10"));
        out.add(plain("push imm8", "push -5"));
        out.add(plain("push imm32", "push 0x12345678"));
        out.add(plain("push imm32 neg", "push -0x12345678"));
        out.add(plain("push m64", "push qword ptr [rbx+8]"));
        out.add(plain("pop m64", "pop qword ptr [rbx+16]"));
        out.add(plain("pop m64 rsp-relative", "pop qword ptr [rsp+8]"));
        out.add(plain("push rsp", "push rsp"));
        out.add(plain("pop rsp", "pop rsp\nmov rsp, rbx"));
        out.add(plain("push r16;pop r16", "push dx\npop cx"));
        out.add(plain("push imm16", "push word ptr [rbx]\npushw 0x1234\npop ax\npop cx"));
        out.add(new Form("pushfq", "pushfq\npop r8\nmov qword ptr [rsp-8], 0", true, Form.Gen.of(MoveForms.flagCombos(),
                Slot.flag(DF), Slot.flag(Layout.AF)), in -> Undef.NONE.withReg(8, 0x200), null));
        out.add(new Form("popfq", "push rdx\npopfq\npushfq\npop r9\nmov qword ptr [rsp-8], 0", true,
                Form.Gen.of().then((b, rnd) -> b.gpr[RDX] = (rnd.nextLong() & (Layout.COMPARED | 1L << 21)) | 2),
                in -> Undef.NONE.withReg(9, 0x200), null));
        out.add(new Form("popfw", "push dx\npopfw\npushfq\npop r9\nmov qword ptr [rsp-8], 0", true,
                Form.Gen.of().then((b, rnd) -> b.setLow(RDX, 16, (rnd.nextLong() & Layout.COMPARED) | 2)),
                in -> Undef.NONE.withReg(9, 0x200), null));
        Slot frame = Slot.oneOf(RBP, MEM_BASE + 0x180, MEM_BASE + 0x1f8, MEM_BASE + 0x1c8);
        out.add(plain("leave", "leave", frame));
        out.add(plain("enter 16,0", "enter 16, 0", frame));
        out.add(plain("enter 0,0", "enter 0, 0", frame));
        out.add(plain("enter 40,1", "enter 40, 1", frame));
        out.add(plain("enter 8,3", "enter 8, 3", frame));
        out.add(plain("enter 24,2;leave", "enter 24, 2\nmov rcx, rsp\nleave", frame));
        out.add(plain("call;ret", "call 1f\njmp 2f\n1: pop rcx\npush rcx\nret\n2:"));
        out.add(plain("call;ret imm", "push rdx\ncall 1f\njmp 2f\n1: ret 8\n2:"));
        return out;
    }
}
