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

    static Set<String> names() {
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
