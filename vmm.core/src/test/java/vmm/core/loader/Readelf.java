package vmm.core.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * binutils' readelf as an oracle independent of the loader's own ELF parser: what it says
 * the segments and the PVH note are is what the loader must have found.
 */
final class Readelf {

    record Load(long offset, long paddr, long filesz, long memsz) {
    }

    private Readelf() {
    }

    static List<Load> loads(Path elf) throws IOException, InterruptedException {
        List<Load> loads = new ArrayList<>();
        for (String line : run("-lW", elf)) {
            String[] t = line.trim().split("\\s+");
            if (t.length >= 6 && t[0].equals("LOAD")) {
                loads.add(new Load(Long.decode(t[1]), Long.decode(t[3]), Long.decode(t[4]), Long.decode(t[5])));
            }
        }
        return loads;
    }

    /** The descriptor of the "Xen" note of type 0x12 (XEN_ELFNOTE_PHYS32_ENTRY), little-endian. */
    static long pvhEntry(Path elf) throws IOException, InterruptedException {
        for (String line : run("-nW", elf)) {
            if (line.trim().startsWith("Xen") && line.contains("(0x00000012)")) {
                String[] hex = line.substring(line.indexOf("description data:") + 17).trim().split("\\s+");
                long value = 0;
                for (int i = hex.length - 1; i >= 0; i--) {
                    value = value << 8 | Integer.parseInt(hex[i], 16);
                }
                return value;
            }
        }
        return fail("readelf finds no Xen PVH note (type 0x12) in " + elf);
    }

    private static List<String> run(String option, Path elf) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("readelf", option, elf.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("readelf (binutils) is needed as the test oracle: " + e.getMessage(), e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "readelf " + option + " " + elf + ":\n" + out);
        return out.lines().toList();
    }
}
