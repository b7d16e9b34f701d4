package vmm.x86.emu.diff;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every general-purpose form the differential tests compare, by family. Not here: DAA DAS AAA
 * AAS AAM AAD, which are invalid in 64-bit mode (the guest and the harness both run 64-bit
 * code).
 */
final class Catalog {
    private Catalog() {
    }

    static Map<String, List<Form>> families() {
        Map<String, List<Form>> m = new LinkedHashMap<>();
        m.put("alu", AluForms.forms());
        m.put("shift", ShiftForms.forms());
        m.put("muldiv", MulDivForms.forms());
        m.put("bit", BitForms.forms());
        m.put("move", MoveForms.forms());
        m.put("stack", StackForms.forms());
        m.put("string", StringForms.forms());
        m.put("control", ControlForms.forms());
        m.put("crossing", CrossingForms.forms());
        return m;
    }

    static List<Form> all() {
        List<Form> out = new ArrayList<>();
        families().values().forEach(out::addAll);
        return out;
    }
}
