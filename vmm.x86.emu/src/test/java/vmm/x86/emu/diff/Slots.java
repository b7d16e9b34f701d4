package vmm.x86.emu.diff;

import java.util.List;
import java.util.Random;

/**
 * A generator over operand slots: curated cases are the cross product of the slots' edge
 * values (over the leading slots while it stays under {@link #MAX_CURATED}); the others are
 * random in curated cases too.
 */
final class Slots implements Form.Gen {
    static final int MAX_CURATED = 300;
    private final List<Slot> slots;
    private final int crossed;
    private final int curated;

    Slots(List<Slot> slots) {
        this.slots = List.copyOf(slots);
        int n = 1, k = 0;
        while (k < slots.size() && n * slots.get(k).choices() <= MAX_CURATED) {
            n *= slots.get(k).choices();
            k++;
        }
        crossed = k;
        curated = k == 0 ? 0 : n;
    }

    @Override
    public int curated() {
        return curated;
    }

    @Override
    public void fill(CaseBuilder b, Random rnd, int index) {
        int rest = index;
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            if (index >= 0 && i < crossed) {
                s.set(b, rnd, rest % s.choices());
                rest /= s.choices();
            } else {
                s.set(b, rnd, -1);
            }
        }
    }
}
