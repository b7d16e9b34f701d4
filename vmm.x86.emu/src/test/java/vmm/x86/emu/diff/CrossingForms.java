package vmm.x86.emu.diff;

import static vmm.x86.emu.diff.Layout.RAX;
import static vmm.x86.emu.diff.Layout.RDX;

import java.util.ArrayList;
import java.util.List;

/**
 * Memory operands that straddle the 4 KiB page boundary at RBX: loads, stores,
 * read-modify-writes, exchanges, a compare-exchange and a push/pop, each at every misalignment
 * that crosses, and LOCK-prefixed read-modify-writes. Every byte of the window is compared, so a piece written twice or too wide shows.
 */
final class CrossingForms {
    private CrossingForms() {
    }

    static List<Form> forms() {
        List<Form> out = new ArrayList<>();
        for (int w : new int[] {16, 32, 64}) {
            for (int d = -(w / 8) + 1; d <= -1; d++) {
                String m = Asm.mem(w, d), r = Asm.reg(RDX, w), a = Asm.reg(RAX, w);
                String at = w + "@" + d;
                out.add(form("load " + at, "mov " + a + ", " + m, Slot.mem(d, w)));
                out.add(form("store " + at, "mov " + m + ", " + r, Slot.reg(RDX, w)));
                out.add(form("add m " + at, "add " + m + ", " + r, Slot.mem(d, w), Slot.reg(RDX, w)));
                out.add(form("xchg " + at, "xchg " + m + ", " + r, Slot.reg(RDX, w)));
                out.add(form("cmpxchg " + at, "cmpxchg " + m + ", " + r, Slot.mem(d, w), Slot.reg(RAX, w)));
                out.add(form("movsx " + at, w == 64 ? "movsxd rax, " + Asm.mem(32, d) : "movsx rax, " + Asm.mem(16, d),
                        Slot.mem(d, w == 64 ? 32 : 16)));
            }
        }
        for (int d = 1; d < 8; d++) {
            out.add(form("push/pop rsp-" + d, "lea rsp, [rbx+" + d + "]\npush rdx\npop rcx\npush qword ptr [rbx-4]\n"
                    + "pop qword ptr [rbx-12]\nlea rsp, [rbx+0xc0]"));
        }
        out.add(form("cmpxchg8b cross", "cmpxchg8b qword ptr [rbx-4]"));
        // LOCK-prefixed read-modify-writes, aligned and across the page.
        for (int d : new int[] {8, -3}) {
            out.add(form("lock add " + d, "lock add qword ptr [rbx" + (d < 0 ? "" : "+") + d + "], rdx",
                    Slot.mem(d, 64), Slot.reg(RDX, 64)));
            out.add(form("lock xadd " + d, "lock xadd dword ptr [rbx" + (d < 0 ? "" : "+") + d + "], edx",
                    Slot.mem(d, 32), Slot.reg(RDX, 32)));
            out.add(form("lock cmpxchg " + d, "lock cmpxchg qword ptr [rbx" + (d < 0 ? "" : "+") + d + "], rdx",
                    Slot.mem(d, 64), Slot.reg(RAX, 64)));
            out.add(form("lock not " + d, "lock not word ptr [rbx" + (d < 0 ? "" : "+") + d + "]", Slot.mem(d, 16)));
            out.add(form("lock inc " + d, "lock inc byte ptr [rbx" + (d < 0 ? "" : "+") + d + "]", Slot.mem(d, 8)));
        }
        out.add(form("lock btc m", "lock btc qword ptr [rbx], rdx", BitForms.bitOffset(RDX, 64))
                .withUndef(Undef.Rule.flags(BitForms.BT_UNDEF)));
        out.add(form("bts m cross", "bts dword ptr [rbx-2], edx", BitForms.bitOffset(RDX, 32))
                .withUndef(Undef.Rule.flags(BitForms.BT_UNDEF)));
        return out;
    }

    private static Form form(String name, String asm, Slot... slots) {
        return new Form(name, asm, true, Form.Gen.of(slots), Undef.Rule.none(), null);
    }
}
