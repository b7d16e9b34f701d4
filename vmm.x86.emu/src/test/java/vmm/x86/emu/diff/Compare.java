package vmm.x86.emu.diff;

import java.util.ArrayList;
import java.util.List;

/** Compares one case's native and emulated results outside what the SDM leaves undefined. */
final class Compare {
    private Compare() {
    }

    /** Null when they agree, else what differs. */
    static String diff(Form form, CaseInput in, CaseOutput nat, CaseOutput emu) {
        if (emu.exception() >= 0) {
            return "the emulator raised exception vector " + emu.exception() + " (native ran to the end)";
        }
        Undef u = form.undef().of(in);
        List<String> d = new ArrayList<>();
        for (int r = 0; r < 16; r++) {
            long ignore = r == u.reg() ? u.regBits() : 0;
            if (((nat.gpr()[r] ^ emu.gpr()[r]) & ~ignore) != 0) {
                d.add(Layout.REG_NAMES[r] + ": native " + Long.toHexString(nat.gpr()[r]) + " emu "
                        + Long.toHexString(emu.gpr()[r]));
            }
        }
        long mask = Layout.COMPARED & ~u.flags();
        if (((nat.rflags() ^ emu.rflags()) & mask) != 0) {
            d.add("flags: native " + Layout.flagNames(nat.rflags() & mask) + " emu "
                    + Layout.flagNames(emu.rflags() & mask) + " (compared " + Layout.flagNames(mask) + ")");
        }
        for (int i = 0; i < nat.mem().length; i++) {
            boolean undefined = u.memOff() >= 0 && i >= u.memOff() && i < u.memOff() + u.memLen();
            if (!undefined && nat.mem()[i] != emu.mem()[i]) {
                d.add(String.format("mem[%#x]: native %02x emu %02x", Layout.MEM_BASE + i,
                        nat.mem()[i] & 0xff, emu.mem()[i] & 0xff));
                break;
            }
        }
        return d.isEmpty() ? null : String.join("; ", d);
    }
}
