package vmm.x86.emu.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Generates the cases for a list of forms: every curated case plus random ones, from a seed. */
final class Cases {
    private Cases() {
    }

    /** Random cases per form: {@code -Ddiff.cases=N} spreads N random cases over the forms. */
    static int randomPerForm(int forms, int defaultPerForm) {
        String total = System.getProperty("diff.cases");
        if (total == null || total.isBlank()) {
            return defaultPerForm;
        }
        return Math.max(1, Integer.parseInt(total.strip()) / Math.max(1, forms));
    }

    static long seed() {
        String s = System.getProperty("diff.seed");
        return s == null || s.isBlank() ? 0x5eed_2026L : Long.decode(s.strip());
    }

    static List<CaseInput> generate(List<Form> forms, long seed, int randomPerForm) {
        Random rnd = new Random(seed);
        List<CaseInput> out = new ArrayList<>();
        for (int f = 0; f < forms.size(); f++) {
            Form form = forms.get(f);
            int curated = form.gen().curated();
            for (int i = -curated; i < randomPerForm; i++) {
                CaseBuilder b = new CaseBuilder(rnd, form.usesMem());
                form.gen().fill(b, rnd, i < 0 ? i + curated : -1);
                form.gen().fixup(b, rnd);
                out.add(b.build(f));
            }
        }
        return out;
    }
}
