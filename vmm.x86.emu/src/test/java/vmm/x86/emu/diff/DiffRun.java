package vmm.x86.emu.diff;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Assembles a family of forms, runs its cases natively and on the emulator, compares. */
final class DiffRun {
    record Mismatch(Form form, CaseInput in, String diff) {
    }

    record Result(String family, int forms, int cases, List<Mismatch> mismatches) {
        /** Mismatches by form, with up to {@code examples} inputs each. */
        String report(int examples) {
            Map<String, List<Mismatch>> byForm = new LinkedHashMap<>();
            for (Mismatch m : mismatches) {
                byForm.computeIfAbsent(m.form().name(), k -> new ArrayList<>()).add(m);
            }
            StringBuilder s = new StringBuilder(String.format("%s: %d forms, %d cases, %d mismatches in %d forms%n",
                    family, forms, cases, mismatches.size(), byForm.size()));
            byForm.forEach((name, ms) -> {
                s.append(String.format("  %s [%s]: %d cases%n", name, ms.get(0).form().asm().replace('\n', ';'),
                        ms.size()));
                for (Mismatch m : ms.subList(0, Math.min(examples, ms.size()))) {
                    s.append("    in:  ").append(m.in().describe()).append('\n');
                    s.append("    got: ").append(m.diff()).append('\n');
                }
            });
            return s.toString();
        }
    }

    private DiffRun() {
    }

    static Result run(String family, List<Form> forms, Path dir, NativeOracle nat, EmuOracle emu, long seed,
                      int randomPerForm) throws IOException {
        Assembled code = Assembled.assemble(dir, forms);
        List<CaseInput> cases = Cases.generate(forms, seed, randomPerForm);
        List<CaseOutput> expected = nat.run(code, cases);
        emu.load(code);
        List<Mismatch> mismatches = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            CaseInput in = cases.get(i);
            Form f = forms.get(in.form());
            String d;
            try {
                d = Compare.diff(f, in, expected.get(i), emu.run(in));
            } catch (RuntimeException e) {
                d = "the emulator failed: " + e;
            }
            if (d != null) {
                mismatches.add(new Mismatch(f, in, d));
            }
        }
        return new Result(family, forms.size(), cases.size(), mismatches);
    }
}
