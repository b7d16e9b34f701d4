package vmm.x86.emu.internal.cpu;

/**
 * Lazy arithmetic flags. An instruction records its kind, operands and result in the
 * {@link Cpu}'s {@code f*} fields; CF, PF, AF, ZF, SF and OF are computed only when read
 * (Jcc, SETcc, PUSHF, an exception). Rare instructions store the six bits themselves
 * ({@link #EXPLICIT}).
 */
public final class Flags {
    public static final long CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400,
            OF = 0x800, IOPL = 0x3000, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000, VIF = 0x80000,
            VIP = 0x100000, ID = 0x200000;
    public static final long ARITH = CF | PF | AF | ZF | SF | OF;

    /** Kinds of the last flag-setting operation. */
    public static final int EXPLICIT = 0, ADD = 1, ADC = 2, SUB = 3, SBB = 4, LOGIC = 5, INC = 6, DEC = 7, SHL = 8,
            SHR = 9, SAR = 10;

    private Flags() {
    }

    public static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    public static long signBit(int size) {
        return 1L << (size * 8 - 1);
    }

    public static boolean cf(Cpu c) {
        long m = mask(c.fSize);
        switch (c.fOp) {
            case ADD:
                return Long.compareUnsigned(c.fRes & m, c.fDst & m) < 0;
            case ADC:
                return c.fAux != 0 ? Long.compareUnsigned(c.fRes & m, c.fDst & m) <= 0
                        : Long.compareUnsigned(c.fRes & m, c.fDst & m) < 0;
            case SUB:
                return Long.compareUnsigned(c.fDst & m, c.fSrc & m) < 0;
            case SBB:
                return c.fAux != 0 ? Long.compareUnsigned(c.fDst & m, c.fSrc & m) <= 0
                        : Long.compareUnsigned(c.fDst & m, c.fSrc & m) < 0;
            case LOGIC:
                return false;
            case INC:
            case DEC:
                return c.fAux != 0;
            case SHL:
                return ((c.fDst >>> (c.fSize * 8 - c.fSrc)) & 1) != 0;
            case SHR:
                return ((c.fDst >>> (c.fSrc - 1)) & 1) != 0;
            case SAR:
                return ((signExtend(c.fDst, c.fSize) >> (c.fSrc - 1)) & 1) != 0;
            default:
                return (c.fAux & CF) != 0;
        }
    }

    public static boolean zf(Cpu c) {
        return c.fOp == EXPLICIT ? (c.fAux & ZF) != 0 : (c.fRes & mask(c.fSize)) == 0;
    }

    public static boolean sf(Cpu c) {
        return c.fOp == EXPLICIT ? (c.fAux & SF) != 0 : (c.fRes & signBit(c.fSize)) != 0;
    }

    public static boolean pf(Cpu c) {
        return c.fOp == EXPLICIT ? (c.fAux & PF) != 0 : (Long.bitCount(c.fRes & 0xff) & 1) == 0;
    }

    public static boolean af(Cpu c) {
        switch (c.fOp) {
            case ADD, ADC, SUB, SBB, INC, DEC:
                return ((c.fDst ^ c.fSrc ^ c.fRes) & 0x10) != 0;
            case EXPLICIT:
                return (c.fAux & AF) != 0;
            default:
                return false;
        }
    }

    public static boolean of(Cpu c) {
        long sb = signBit(c.fSize);
        switch (c.fOp) {
            case ADD, ADC, INC:
                return ((c.fDst ^ c.fRes) & (c.fSrc ^ c.fRes) & sb) != 0;
            case SUB, SBB, DEC:
                return ((c.fDst ^ c.fSrc) & (c.fDst ^ c.fRes) & sb) != 0;
            case LOGIC, SAR:
                return false;
            case SHL:
                return (((c.fRes & sb) != 0) ^ cf(c));
            case SHR:
                return (c.fDst & sb) != 0;
            default:
                return (c.fAux & OF) != 0;
        }
    }

    /** The six arithmetic flags as RFLAGS bits. */
    public static long arith(Cpu c) {
        if (c.fOp == EXPLICIT) {
            return c.fAux & ARITH;
        }
        long f = 0;
        if (cf(c)) {
            f |= CF;
        }
        if (pf(c)) {
            f |= PF;
        }
        if (af(c)) {
            f |= AF;
        }
        if (zf(c)) {
            f |= ZF;
        }
        if (sf(c)) {
            f |= SF;
        }
        if (of(c)) {
            f |= OF;
        }
        return f;
    }

    public static void setArith(Cpu c, long bits) {
        c.fOp = EXPLICIT;
        c.fAux = bits & ARITH;
    }

    /** Condition code {@code cc} (0-15, as in Jcc) on the current flags. */
    public static boolean cond(Cpu c, int cc) {
        if (c.fOp == SUB || c.fOp == LOGIC) {
            return fastCond(c, cc);
        }
        boolean r;
        switch (cc >> 1) {
            case 0 -> r = of(c);
            case 1 -> r = cf(c);
            case 2 -> r = zf(c);
            case 3 -> r = cf(c) || zf(c);
            case 4 -> r = sf(c);
            case 5 -> r = pf(c);
            case 6 -> r = sf(c) != of(c);
            default -> r = zf(c) || sf(c) != of(c);
        }
        return r ^ ((cc & 1) != 0);
    }

    /** CMP/SUB and logic results: the comparisons read straight from the operands. */
    private static boolean fastCond(Cpu c, int cc) {
        int size = c.fSize;
        long m = mask(size);
        boolean r;
        if (c.fOp == SUB) {
            long d = c.fDst & m;
            long s = c.fSrc & m;
            switch (cc >> 1) {
                case 1 -> r = Long.compareUnsigned(d, s) < 0;
                case 2 -> r = d == s;
                case 3 -> r = Long.compareUnsigned(d, s) <= 0;
                case 6 -> r = signExtend(d, size) < signExtend(s, size);
                case 7 -> r = signExtend(d, size) <= signExtend(s, size);
                case 0 -> r = of(c);
                case 4 -> r = sf(c);
                default -> r = pf(c);
            }
        } else {
            long v = signExtend(c.fRes & m, size);
            switch (cc >> 1) {
                case 0, 1 -> r = false;
                case 2 -> r = v == 0;
                case 3 -> r = v == 0;
                case 4, 6 -> r = v < 0;
                case 7 -> r = v <= 0;
                default -> r = pf(c);
            }
        }
        return r ^ ((cc & 1) != 0);
    }

    public static long signExtend(long v, int size) {
        return switch (size) {
            case 1 -> (byte) v;
            case 2 -> (short) v;
            case 4 -> (int) v;
            default -> v;
        };
    }
}
