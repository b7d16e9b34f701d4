package vmm.x86.emu.diff;

/** Intel-syntax operand names for the catalog. */
final class Asm {
    private static final String[] R8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    private static final String[] HIGH8 = {"ah", "ch", "dh", "bh"};
    static final int[] WIDTHS = {8, 16, 32, 64};

    private Asm() {
    }

    static String reg(int r, int width) {
        if (r >= 8) {
            return "r" + r + switch (width) {
                case 8 -> "b";
                case 16 -> "w";
                case 32 -> "d";
                default -> "";
            };
        }
        return switch (width) {
            case 8 -> R8[r];
            case 16 -> R16[r];
            case 32 -> "e" + R16[r].substring(0, 2);
            default -> "r" + R16[r].substring(0, 2);
        };
    }

    static String high8(int r) {
        return HIGH8[r];
    }

    static String ptr(int width) {
        return switch (width) {
            case 8 -> "byte ptr";
            case 16 -> "word ptr";
            case 32 -> "dword ptr";
            case 64 -> "qword ptr";
            default -> throw new IllegalArgumentException("width " + width);
        };
    }

    /** [rbx+disp] of the given width. */
    static String mem(int width, int disp) {
        return ptr(width) + " [rbx" + (disp < 0 ? "-" + (-disp) : "+" + disp) + "]";
    }

    static String hex(long v) {
        return v < 0 ? "-0x" + Long.toHexString(-v) : "0x" + Long.toHexString(v);
    }
}
