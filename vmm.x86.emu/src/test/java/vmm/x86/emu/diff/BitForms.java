package vmm.x86.emu.diff;

import static vmm.x86.emu.diff.Layout.AF;
import static vmm.x86.emu.diff.Layout.CF;
import static vmm.x86.emu.diff.Layout.OF;
import static vmm.x86.emu.diff.Layout.PF;
import static vmm.x86.emu.diff.Layout.RAX;
import static vmm.x86.emu.diff.Layout.RDX;
import static vmm.x86.emu.diff.Layout.SF;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * BT BTS BTR BTC (register, immediate, and memory forms whose bit offset reaches outside the
 * operand), BSF BSR, BSWAP, and the CPUID-gated POPCNT, LZCNT, TZCNT, ADCX, ADOX, MOVBE. SDM:
 * <ul>
 * <li>BTx: "The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined."</li>
 * <li>BSF/BSR: "The CF, OF, SF, AF, and PF flags are undefined"; a zero source leaves the
 * destination undefined (masked whole, since the upper half differs between vendors).</li>
 * <li>LZCNT/TZCNT: "The OF, SF, PF and AF flags are undefined." POPCNT defines all.</li>
 * <li>BSWAP of a 16-bit register is undefined and not tested.</li>
 * </ul>
 */
final class BitForms {
    static final long BT_UNDEF = OF | SF | AF | PF;

    private BitForms() {
    }

    /** A bit offset that stays within the data window for the memory forms of BTx. */
    static Slot bitOffset(int reg, int w) {
        long[] curated = {0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 100, -1, -8, -9, -17, -33, -65, 1000, -1000, 2000, -2000};
        return new Slot() {
            @Override
            public int choices() {
                return curated.length;
            }

            @Override
            public void set(CaseBuilder b, Random rnd, int c) {
                long v = c < 0 ? rnd.nextInt(3900) - 1950 : curated[c];
                b.setLow(reg, w, v);
            }
        };
    }

    static List<Form> forms() {
        List<Form> out = new ArrayList<>();
        Undef.Rule bt = Undef.Rule.flags(BT_UNDEF);
        for (String op : new String[] {"bt", "bts", "btr", "btc"}) {
            for (int w : new int[] {16, 32, 64}) {
                String a = Asm.reg(RAX, w), d = Asm.reg(RDX, w);
                out.add(new Form(op + " r" + w + ",r" + w, op + " " + a + ", " + d, false,
                        Form.Gen.of(Slot.reg(RDX, w), Slot.reg(RAX, w)), bt, null));
                out.add(new Form(op + " m" + w + ",r" + w, op + " " + Asm.mem(w, 0) + ", " + d, true,
                        Form.Gen.of(bitOffset(RDX, w)), bt, null));
                for (int imm : new int[] {0, 5, 15, 16, 31, 32, 63, 255}) {
                    out.add(new Form(op + " r" + w + "," + imm, op + " " + a + ", " + imm, false,
                            Form.Gen.of(Slot.reg(RAX, w)), bt, null));
                }
                out.add(new Form(op + " m" + w + ",imm", op + " " + Asm.mem(w, 8) + ", 37", true,
                        Form.Gen.of(Slot.mem(8, w)), bt, null));
            }
        }
        for (String op : new String[] {"bsf", "bsr"}) {
            for (int w : new int[] {16, 32, 64}) {
                out.add(new Form(op + " r" + w, op + " " + Asm.reg(RAX, w) + ", " + Asm.reg(RDX, w), false,
                        Form.Gen.of(Slot.reg(RDX, w)), scanRule(w, false), null));
                out.add(new Form(op + " m" + w, op + " " + Asm.reg(RAX, w) + ", " + Asm.mem(w, 8), true,
                        Form.Gen.of(Slot.mem(8, w)), scanRule(w, true), null));
            }
        }
        out.add(new Form("bswap r32", "bswap eax", false, Form.Gen.of(Slot.reg(RAX, 32)), Undef.Rule.none(), null));
        out.add(new Form("bswap r64", "bswap rax", false, Form.Gen.of(Slot.reg(RAX, 64)), Undef.Rule.none(), null));
        out.add(new Form("bswap r10d", "bswap r10d", false, Form.Gen.of(Slot.reg(10, 32)), Undef.Rule.none(), null));
        out.addAll(gated());
        return out;
    }

    /** BSF/BSR: with a zero source only ZF is defined, and the destination is not. */
    static Undef.Rule scanRule(int w, boolean mem) {
        long undef = CF | OF | SF | AF | PF;
        return in -> {
            long src = mem ? memValue(in, 8, w) : in.gpr()[RDX] & Values.mask(w);
            Undef u = Undef.flags(undef);
            return src == 0 ? u.withReg(RAX, -1L) : u;
        };
    }

    static long memValue(CaseInput in, int disp, int w) {
        int o = CaseBuilder.off(disp);
        long v = 0;
        for (int i = 0; i < w / 8; i++) {
            v |= (in.mem()[o + i] & 0xffL) << (8 * i);
        }
        return v;
    }

    /** Forms that exist only when CPUID says so. */
    static List<Form> gated() {
        List<Form> out = new ArrayList<>();
        Undef.Rule cnt = Undef.Rule.flags(OF | SF | PF | AF);
        for (int w : new int[] {16, 32, 64}) {
            String a = Asm.reg(RAX, w), d = Asm.reg(RDX, w);
            out.add(new Form("popcnt r" + w, "popcnt " + a + ", " + d, false, Form.Gen.of(Slot.reg(RDX, w)),
                    Undef.Rule.none(), Feature.POPCNT));
            out.add(new Form("popcnt m" + w, "popcnt " + a + ", " + Asm.mem(w, 8), true, Form.Gen.of(Slot.mem(8, w)),
                    Undef.Rule.none(), Feature.POPCNT));
            out.add(new Form("lzcnt r" + w, "lzcnt " + a + ", " + d, false, Form.Gen.of(Slot.reg(RDX, w)), cnt,
                    Feature.ABM));
            out.add(new Form("tzcnt r" + w, "tzcnt " + a + ", " + d, false, Form.Gen.of(Slot.reg(RDX, w)), cnt,
                    Feature.BMI1));
            out.add(new Form("lzcnt m" + w, "lzcnt " + a + ", " + Asm.mem(w, 8), true, Form.Gen.of(Slot.mem(8, w)),
                    cnt, Feature.ABM));
            out.add(new Form("tzcnt m" + w, "tzcnt " + a + ", " + Asm.mem(w, 8), true, Form.Gen.of(Slot.mem(8, w)),
                    cnt, Feature.BMI1));
            out.add(new Form("movbe r" + w + ",m", "movbe " + a + ", " + Asm.mem(w, 8), true,
                    Form.Gen.of(Slot.mem(8, w)), Undef.Rule.none(), Feature.MOVBE));
            out.add(new Form("movbe m,r" + w, "movbe " + Asm.mem(w, -8) + ", " + d, true,
                    Form.Gen.of(Slot.reg(RDX, w)), Undef.Rule.none(), Feature.MOVBE));
        }
        for (int w : new int[] {32, 64}) {
            String a = Asm.reg(RAX, w), d = Asm.reg(RDX, w);
            out.add(new Form("adcx r" + w, "adcx " + a + ", " + d, false,
                    Form.Gen.of(Slot.reg(RAX, w), Slot.reg(RDX, w), Slot.flag(CF)), Undef.Rule.none(), Feature.ADX));
            out.add(new Form("adox r" + w, "adox " + a + ", " + d, false,
                    Form.Gen.of(Slot.reg(RAX, w), Slot.reg(RDX, w), Slot.flag(OF)), Undef.Rule.none(), Feature.ADX));
            out.add(new Form("adcx r" + w + ",m", "adcx " + a + ", " + Asm.mem(w, 8), true,
                    Form.Gen.of(Slot.reg(RAX, w), Slot.mem(8, w), Slot.flag(CF)), Undef.Rule.none(), Feature.ADX));
        }
        return out;
    }
}
