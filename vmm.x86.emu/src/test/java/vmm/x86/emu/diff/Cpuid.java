package vmm.x86.emu.diff;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Runs CPUID natively and on the emulator and reads the feature bits that gate forms. */
final class Cpuid {
    /** The leaves read: 0, 1, 7.0, 0x80000000, 0x80000001. */
    static final int[][] LEAVES = {{0, 0}, {1, 0}, {7, 0}, {0x80000000, 0}, {0x80000001, 0}};

    record Leaf(int leaf, int subleaf, int[] regs) {
    }

    private Cpuid() {
    }

    private static Form cpuidForm() {
        return new Form("cpuid", "cpuid", false, Form.Gen.of(), Undef.Rule.none(), null);
    }

    static List<CaseInput> inputs() {
        List<CaseInput> in = new ArrayList<>();
        for (int[] l : LEAVES) {
            long[] gpr = new long[16];
            gpr[Layout.RAX] = l[0] & 0xffffffffL;
            gpr[Layout.RCX] = l[1];
            gpr[Layout.RBX] = Layout.MEM_PTR;
            gpr[Layout.RSP] = Layout.STACK;
            in.add(new CaseInput(0, gpr, 2, new byte[0]));
        }
        return in;
    }

    static List<Leaf> leaves(List<CaseOutput> outs) {
        List<Leaf> l = new ArrayList<>();
        for (int i = 0; i < LEAVES.length; i++) {
            long[] g = outs.get(i).gpr();
            l.add(new Leaf(LEAVES[i][0], LEAVES[i][1], new int[] {(int) g[Layout.RAX], (int) g[Layout.RBX],
                    (int) g[Layout.RCX], (int) g[Layout.RDX]}));
        }
        return l;
    }

    static List<Leaf> nativeLeaves(Path dir, NativeOracle nat) throws IOException {
        return leaves(nat.run(Assembled.assemble(dir, List.of(cpuidForm())), inputs()));
    }

    static List<Leaf> emuLeaves(Path dir, EmuOracle emu) throws IOException {
        emu.load(Assembled.assemble(dir, List.of(cpuidForm())));
        return leaves(emu.run(inputs()));
    }

    static Set<Feature> features(List<Leaf> leaves) {
        Set<Feature> s = EnumSet.noneOf(Feature.class);
        int maxBasic = leaves.get(0).regs()[0];
        int maxExt = leaves.get(3).regs()[0];
        for (Feature f : Feature.values()) {
            boolean extended = (f.leaf & 0x80000000) != 0;
            if (extended ? Integer.compareUnsigned(f.leaf, maxExt) > 0 : f.leaf > maxBasic) {
                continue;
            }
            for (Leaf l : leaves) {
                if (l.leaf() == f.leaf && l.subleaf() == f.subleaf && (l.regs()[f.reg] >>> f.bit & 1) != 0) {
                    s.add(f);
                }
            }
        }
        return s;
    }

    static Map<Feature, Boolean> table(Set<Feature> s) {
        Map<Feature, Boolean> m = new EnumMap<>(Feature.class);
        for (Feature f : Feature.values()) {
            m.put(f, s.contains(f));
        }
        return m;
    }
}
