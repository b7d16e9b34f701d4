package vmm.x86.emu.diff;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The forms assembled by GNU as into one code image: form {@code i} occupies
 * [{@code i * SLOT}, {@code end[i]}) and both sides append their own way back after it (HLT in
 * the guest, a jump to the harness natively).
 */
record Assembled(byte[] code, int[] end) {
    /** Room after each snippet for the native jump back (jmp *0(%rip) + 8-byte address). */
    static final int TAIL = 14;

    int start(int form) {
        return form * Layout.SLOT;
    }

    static Assembled assemble(Path dir, List<Form> forms) throws IOException {
        if (forms.size() > Layout.MAX_FORMS) {
            throw new IllegalArgumentException(forms.size() + " forms, at most " + Layout.MAX_FORMS);
        }
        StringBuilder s = new StringBuilder(".intel_syntax noprefix\n.text\n");
        for (int i = 0; i < forms.size(); i++) {
            s.append(".org ").append(i * Layout.SLOT).append(", 0xcc\n");
            s.append("# ").append(forms.get(i).name()).append('\n');
            s.append(forms.get(i).asm()).append('\n');
            s.append("e").append(i).append(":\n");
        }
        s.append(".org ").append(forms.size() * Layout.SLOT).append(", 0xcc\n");
        Path src = dir.resolve("forms.s"), obj = dir.resolve("forms.o"), bin = dir.resolve("forms.bin");
        Files.writeString(src, s, StandardCharsets.UTF_8);
        Tools.run(dir, List.of("as", "--64", "-o", obj.toString(), src.toString()));
        Tools.run(dir, List.of("objcopy", "-O", "binary", "-j", ".text", obj.toString(), bin.toString()));
        String syms = Tools.run(dir, List.of("nm", obj.toString()));
        int[] end = new int[forms.size()];
        for (String line : syms.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[2].matches("e\\d+")) {
                end[Integer.parseInt(f[2].substring(1))] = Integer.parseInt(f[0], 16);
            }
        }
        byte[] code = Files.readAllBytes(bin);
        for (int i = 0; i < forms.size(); i++) {
            if (end[i] - i * Layout.SLOT + TAIL > Layout.SLOT || end[i] < i * Layout.SLOT) {
                throw new IllegalArgumentException("form " + forms.get(i).name() + " does not fit in "
                        + (Layout.SLOT - TAIL) + " bytes");
            }
        }
        return new Assembled(code, end);
    }
}
