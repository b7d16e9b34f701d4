package vmm.x86.emu.diff;

import static vmm.x86.emu.diff.Layout.RAX;
import static vmm.x86.emu.diff.Layout.RCX;
import static vmm.x86.emu.diff.Layout.RDX;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * MOVSX MOVZX MOVSXD, CBW/CWDE/CDQE/CWD/CDQ/CQO, CMOVcc and SETcc for all 16 conditions,
 * XCHG, XADD, CMPXCHG (equal and not), CMPXCHG8B/16B and LEA with every addressing form. The
 * SDM defines every flag these change.
 */
final class MoveForms {
    static final String[] CONDITIONS = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge",
            "le", "g"};

    private MoveForms() {
    }

    /** The status flags in all 32 combinations of CF PF ZF SF OF (AF random). */
    static Slot flagCombos() {
        long[] bits = {Layout.CF, Layout.PF, Layout.ZF, Layout.SF, Layout.OF};
        return new Slot() {
            @Override
            public int choices() {
                return 32;
            }

            @Override
            public void set(CaseBuilder b, Random rnd, int c) {
                int k = c < 0 ? rnd.nextInt(32) : c;
                for (int i = 0; i < bits.length; i++) {
                    b.setFlag(bits[i], (k >> i & 1) != 0);
                }
            }
        };
    }

    static Form plain(String name, String asm, boolean mem, Slot... slots) {
        return new Form(name, asm, mem, Form.Gen.of(slots), Undef.Rule.none(), null);
    }

    static List<Form> forms() {
        List<Form> out = new ArrayList<>();
        extend(out);
        for (String cc : CONDITIONS) {
            for (int w : new int[] {16, 32, 64}) {
                out.add(plain("cmov" + cc + " r" + w, "cmov" + cc + " " + Asm.reg(RAX, w) + ", " + Asm.reg(RDX, w),
                        false, flagCombos()));
            }
            out.add(plain("cmov" + cc + " r32,m", "cmov" + cc + " eax, " + Asm.mem(32, 8), true, flagCombos()));
            out.add(plain("set" + cc + " r8", "set" + cc + " al", false, flagCombos()));
            out.add(plain("set" + cc + " r8(rex)", "set" + cc + " r12b", false, flagCombos()));
            out.add(plain("set" + cc + " m8", "set" + cc + " " + Asm.mem(8, 8), true, flagCombos()));
        }
        exchange(out);
        lea(out);
        return out;
    }

    private static void extend(List<Form> out) {
        String[][] ext = {{"eax", "dl", "8"}, {"ax", "dl", "8"}, {"rax", "dl", "8"}, {"eax", "dx", "16"},
                {"rax", "dx", "16"}, {"eax", "dh", "h"}, {"r10", "r11b", "8"}};
        for (String op : new String[] {"movsx", "movzx"}) {
            for (String[] e : ext) {
                Slot s = e[2].equals("h") ? Slot.high8(RDX)
                        : Slot.reg(e[1].startsWith("r11") ? 11 : RDX, Integer.parseInt(e[2]));
                out.add(plain(op + " " + e[0] + "," + e[1], op + " " + e[0] + ", " + e[1], false, s));
            }
            out.add(plain(op + " r32,m8", op + " eax, " + Asm.mem(8, 8), true));
            out.add(plain(op + " r64,m16", op + " rax, " + Asm.mem(16, 8), true));
        }
        out.add(plain("movsxd rax,edx", "movsxd rax, edx", false, Slot.reg(RDX, 32)));
        out.add(plain("movsxd rax,m32", "movsxd rax, " + Asm.mem(32, 8), true));
        String[][] conv = {{"cbw", "16"}, {"cwde", "32"}, {"cdqe", "64"}, {"cwd", "16"}, {"cdq", "32"}, {"cqo", "64"}};
        for (String[] c : conv) {
            out.add(plain(c[0], c[0], false, Slot.reg(RAX, Integer.parseInt(c[1]))));
        }
    }

    private static void exchange(List<Form> out) {
        for (int w : Asm.WIDTHS) {
            String a = Asm.reg(RAX, w), c = Asm.reg(RCX, w), d = Asm.reg(RDX, w);
            out.add(plain("xchg r" + w + ",r" + w, "xchg " + c + ", " + d, false, Slot.reg(RCX, w), Slot.reg(RDX, w)));
            out.add(plain("xchg m" + w + ",r" + w, "xchg " + Asm.mem(w, 8) + ", " + d, true, Slot.reg(RDX, w)));
            out.add(plain("xadd r" + w + ",r" + w, "xadd " + c + ", " + d, false, Slot.reg(RCX, w), Slot.reg(RDX, w)));
            out.add(plain("xadd m" + w + ",r" + w, "xadd " + Asm.mem(w, 8) + ", " + d, true, Slot.mem(8, w),
                    Slot.reg(RDX, w)));
            out.add(new Form("cmpxchg r" + w + ",r" + w, "cmpxchg " + c + ", " + d, false,
                    Form.Gen.of(Slot.reg(RCX, w), Slot.reg(RAX, w), Slot.reg(RDX, w)).then((b, rnd) -> {
                        if (rnd.nextBoolean()) {
                            b.setLow(RAX, w, b.gpr[RCX]);
                        }
                    }), Undef.Rule.none(), null));
            out.add(new Form("cmpxchg m" + w + ",r" + w, "cmpxchg " + Asm.mem(w, 8) + ", " + d, true,
                    Form.Gen.of(Slot.mem(8, w), Slot.reg(RAX, w), Slot.reg(RDX, w)).then((b, rnd) -> {
                        if (rnd.nextBoolean()) {
                            b.setLow(RAX, w, b.getMem(8, w));
                        }
                    }), Undef.Rule.none(), null));
            if (w >= 16) {
                out.add(plain("xchg acc" + w + "," + d, "xchg " + a + ", " + d, false, Slot.reg(RDX, w)));
            }
        }
        out.add(plain("xchg eax,eax (87 c0)", ".byte 0x87, 0xc0", false));
        out.add(plain("nop (90: no zero-extension)", ".byte 0x90", false));
        out.add(plain("xchg ah,dl", "xchg ah, dl", false));
        out.add(new Form("cmpxchg8b", "cmpxchg8b " + Asm.ptr(64) + " [rbx+8]", true, Form.Gen.of().then((b, rnd) -> {
            if (rnd.nextBoolean()) {
                long m = b.getMem(8, 64);
                b.setLow(RAX, 32, m);
                b.setLow(RDX, 32, m >>> 32);
            }
        }), Undef.Rule.none(), null));
        out.add(new Form("cmpxchg16b", "cmpxchg16b xmmword ptr [rbx+16]", true, Form.Gen.of().then((b, rnd) -> {
            if (rnd.nextBoolean()) {
                b.gpr[RAX] = b.getMem(16, 64);
                b.gpr[RDX] = b.getMem(24, 64);
            } else if (rnd.nextBoolean()) {
                b.gpr[RAX] = b.getMem(16, 64);
            }
        }), Undef.Rule.none(), Feature.CX16));
    }

    private static void lea(List<Form> out) {
        String[] addr = {"[rdx]", "[rdx+rsi]", "[rdx+rsi*2+8]", "[rsi*4]", "[rdx+rsi*8-0x80]", "[rbp+0x1000]",
                "[r13]", "[r12+r13*4+0x7fffffff]", "[rip+0x10]", "[rsp+rdx]", "[rdx-0x80000000]", "[r8+r15*8]",
                "[0x12345678]", "[rdx+rdx*1]"};
        for (String a : addr) {
            out.add(plain("lea rax," + a, "lea rax, " + a, false));
        }
        out.add(plain("lea eax,[rdx+rsi*4+3]", "lea eax, [rdx+rsi*4+3]", false));
        out.add(plain("lea ax,[rdx+rsi]", "lea ax, [rdx+rsi]", false));
        out.add(plain("lea eax,[edx+esi*2] (addr32)", "lea eax, [edx+esi*2+0x10]", false));
        out.add(plain("lea rax,[edx+esi] (addr32)", "lea rax, [edx+esi-1]", false));
        out.add(plain("lea rax,[eip+0x10]", "lea rax, [eip+0x10]", false));
        for (int i = 0; i < 4; i++) {
            out.add(new Form("lahf/sahf " + i, i % 2 == 0 ? "lahf" : "sahf", false,
                    Form.Gen.of(Slot.high8(RAX), flagCombos()), Undef.Rule.none(), Feature.LAHF_LM));
        }
        out.add(new Form("sahf;lahf", "sahf\nlahf", false, Form.Gen.of(Slot.high8(RAX)), Undef.Rule.none(),
                Feature.LAHF_LM));
        // Flags reach the destination through SETcc after an arithmetic result.
        out.add(plain("add;setcc chain", "add eax, edx\nsetc cl\nseto ch\nadc eax, edx\nsbb edx, eax", false,
                Slot.reg(RAX, 32), Slot.reg(RDX, 32), Slot.flag(Layout.CF)));
    }
}
