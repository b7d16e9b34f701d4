package vmm.x86.emu.diff;

import java.util.List;
import java.util.Random;

/**
 * One instruction form to compare: its assembly text (Intel syntax, may be several lines),
 * how its inputs are chosen, and what the SDM leaves undefined about its result.
 *
 * @param name    a short label for reports
 * @param asm     GNU as source, Intel syntax
 * @param usesMem whether the data window is loaded and compared
 * @param gen     sets the operands of a case
 * @param undef   the undefined parts of the result for an input
 * @param feature the CPUID feature the form needs, or null
 */
record Form(String name, String asm, boolean usesMem, Gen gen, Undef.Rule undef, Feature feature) {

    Form {
        if (asm.contains("\n\n")) {
            throw new IllegalArgumentException("blank line in " + name);
        }
    }

    Form withFeature(Feature f) {
        return new Form(name, asm, usesMem, gen, undef, f);
    }

    Form withUndef(Undef.Rule u) {
        return new Form(name, asm, usesMem, gen, u, feature);
    }

    Form withName(String n) {
        return new Form(n, asm, usesMem, gen, undef, feature);
    }

    /** Chooses a case's operands on top of the random base state. */
    interface Gen {
        /** Curated cases: the edge-value combinations, run in addition to random ones. */
        int curated();

        /** {@code index} in [0, curated()) picks a curated case; -1 a random one. */
        void fill(CaseBuilder b, Random rnd, int index);

        /** Then, for inputs that must be adjusted (no #DE, aligned, counts in range). */
        default void fixup(CaseBuilder b, Random rnd) {
        }

        default Gen then(Fixup f) {
            Gen self = this;
            return new Gen() {
                @Override
                public int curated() {
                    return self.curated();
                }

                @Override
                public void fill(CaseBuilder b, Random rnd, int index) {
                    self.fill(b, rnd, index);
                }

                @Override
                public void fixup(CaseBuilder b, Random rnd) {
                    self.fixup(b, rnd);
                    f.apply(b, rnd);
                }
            };
        }

        static Gen of(List<Slot> slots) {
            return new Slots(slots);
        }

        static Gen of(Slot... slots) {
            return new Slots(List.of(slots));
        }
    }

    @FunctionalInterface
    interface Fixup {
        void apply(CaseBuilder b, Random rnd);
    }
}
