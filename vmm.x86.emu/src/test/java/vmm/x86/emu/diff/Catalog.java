package vmm.x86.emu.diff;

import java.util.ArrayList;
import java.util.List;

/** Every general-purpose form the differential tests compare. */
final class Catalog {
    private Catalog() {
    }

    static List<Form> all() {
        List<Form> out = new ArrayList<>();
        out.addAll(AluForms.forms());
        return out;
    }
}
