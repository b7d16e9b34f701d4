package vmm.x86.emu.diff;

/**
 * Where snippets and their data live. The native harness maps the same virtual addresses, so
 * the same bytes run natively and in the guest, and pointers, RSP and RIP-relative results
 * compare directly.
 */
final class Layout {
    /** Snippet code: form {@code i} starts at {@code CODE_BASE + i * SLOT}. */
    static final long CODE_BASE = 0x200000;
    static final int SLOT = 256;
    static final int MAX_FORMS = (int) ((0x300000 - CODE_BASE) / SLOT);
    /**
     * The data window that every case loads and compares after the snippet. It straddles the
     * 4 KiB page boundary at {@link #MEM_PTR} (the guest maps it with 4 KiB pages), so that
     * accesses at [rbx-1..-7] cross pages.
     */
    static final long MEM_BASE = 0x300f00;
    static final int MEM_LEN = 512;
    /** RBX in every case, on a page boundary: memory operands are [rbx+disp], disp in -0x100..0xff. */
    static final long MEM_PTR = MEM_BASE + 0x100;
    /** RSP in every case: pushes land inside the window. */
    static final long STACK = MEM_BASE + 0x1c0;

    static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    static final String[] REG_NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    static final long CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
    /** The status flags and DF: what every case compares (unless the SDM leaves one undefined). */
    static final long COMPARED = CF | PF | AF | ZF | SF | DF | OF;
    static final long ARITH = CF | PF | AF | ZF | SF | OF;

    private Layout() {
    }

    static String flagNames(long f) {
        StringBuilder s = new StringBuilder();
        String[] names = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "", "", "DF", "OF"};
        for (int i = 0; i < names.length; i++) {
            if (!names[i].isEmpty() && (f & (1L << i)) != 0) {
                s.append(s.isEmpty() ? "" : " ").append(names[i]);
            }
        }
        return s.isEmpty() ? "-" : s.toString();
    }
}
