package vmm.x86.emu.diff;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Forms on which the emulator still disagrees with the host (known-mismatches.txt, one form
 * name per line): {@link GeneralPurposeDiffTest} leaves them to {@link KnownMismatchDiffTest},
 * which reports them and fails as soon as one of them agrees again (so the list shrinks).
 */
final class KnownMismatches {
    private KnownMismatches() {
    }

    static final String GATE = "gate: ";

    /** Catalog forms that differ from the host. */
    static Set<String> names() {
        Set<String> s = new LinkedHashSet<>(lines());
        s.removeIf(l -> l.startsWith(GATE));
        return s;
    }

    /** CPUID-gated forms (names after "gate: ") that do not raise #UD when not advertised. */
    static Set<String> gates() {
        Set<String> s = new LinkedHashSet<>();
        for (String l : lines()) {
            if (l.startsWith(GATE)) {
                s.add(l.substring(GATE.length()).strip());
            }
        }
        return s;
    }

    private static Set<String> lines() {
        Set<String> s = new LinkedHashSet<>();
        try (InputStream in = KnownMismatches.class.getResourceAsStream("known-mismatches.txt")) {
            if (in == null) {
                return s;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null;) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    s.add(l);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading known-mismatches.txt", e);
        }
        return s;
    }
}
