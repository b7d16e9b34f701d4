package vmm.x86.emu.diff;

import java.util.HexFormat;

/** One case: a form, the registers and RFLAGS it starts with, and the data window. */
record CaseInput(int form, long[] gpr, long rflags, byte[] mem) {

    String describe() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if (i == Layout.RSP || i == Layout.RBX) {
                continue;
            }
            s.append(Layout.REG_NAMES[i]).append('=').append(Long.toHexString(gpr[i])).append(' ');
        }
        s.append("flags=").append(Layout.flagNames(rflags));
        if (mem.length > 0) {
            s.append(" [rbx-8..+24]=").append(HexFormat.of().formatHex(mem, 0xf8, 0x118));
        }
        return s.toString();
    }
}
