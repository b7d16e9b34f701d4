package vmm.x86.emu.diff;

import static vmm.x86.emu.diff.Layout.DF;
import static vmm.x86.emu.diff.Layout.MEM_BASE;
import static vmm.x86.emu.diff.Layout.RCX;
import static vmm.x86.emu.diff.Layout.RDI;
import static vmm.x86.emu.diff.Layout.RSI;

import java.util.ArrayList;
import java.util.List;

/**
 * MOVS STOS LODS CMPS SCAS in byte/word/dword/qword sizes, without a prefix, with REP/REPE and
 * with REPNE, with DF clear and set. RCX (all 64 bits: the count in 64-bit mode) is small, RSI
 * and RDI point into the window; for CMPS/SCAS half the cases get equal data so that REPE runs.
 */
final class StringForms {
    static final String[] SIZES = {"b", "w", "d", "q"};

    private StringForms() {
    }

    static List<Form> forms() {
        List<Form> out = new ArrayList<>();
        for (String op : new String[] {"movs", "stos", "lods", "cmps", "scas"}) {
            boolean compare = op.equals("cmps") || op.equals("scas");
            String[] prefixes = compare ? new String[] {"", "repe ", "repne "} : new String[] {"", "rep "};
            for (int s = 0; s < SIZES.length; s++) {
                int width = 8 << s;
                for (String p : prefixes) {
                    out.add(new Form(p + op + SIZES[s], p + op + SIZES[s], true,
                            Form.Gen.of(Slot.flag(DF)).then(setup(width, compare, op.equals("scas"))), Undef.Rule.none(), null));
                }
            }
        }
        return out;
    }

    static Form.Fixup setup(int width, boolean compare, boolean scan) {
        return (b, rnd) -> {
            boolean down = b.flag(DF);
            b.gpr[RCX] = rnd.nextInt(4) == 0 ? rnd.nextInt(3) : rnd.nextInt(13);
            b.gpr[RSI] = MEM_BASE + (down ? 0x90 : 0x10) + rnd.nextInt(9);
            b.gpr[RDI] = MEM_BASE + (down ? 0x168 : 0xe0) + rnd.nextInt(9);
            if (!compare || rnd.nextBoolean()) {
                return;
            }
            int n = 13 * 8;
            int src = (int) (b.gpr[RSI] - MEM_BASE) - (down ? n - 8 : 0);
            int dst = (int) (b.gpr[RDI] - MEM_BASE) - (down ? n - 8 : 0);
            if (scan) {
                // [rdi] repeats the value in rAX, so REPE SCAS runs until the count or a flipped bit.
                for (int i = 0; i < n; i++) {
                    b.mem[dst + i] = (byte) (b.gpr[Layout.RAX] >>> (8 * (i % (width / 8))));
                }
            } else {
                System.arraycopy(b.mem, src, b.mem, dst, n);
            }
            if (rnd.nextBoolean()) {
                b.mem[dst + rnd.nextInt(n)] ^= (byte) (1 << rnd.nextInt(8));
            }
        };
    }
}
