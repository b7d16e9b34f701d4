package vmm.x86.emu.internal.fpu;

/**
 * The MMX/SSE2 packed-integer operations on 64-bit chunks. An XMM operation applies the
 * lane-wise ones to each quadword; packs, unpacks and shifts by count see the whole
 * operand and are separate methods.
 */
final class PackedInt {

    private PackedInt() {
    }

    private static final long H8 = 0x8080808080808080L;
    private static final long L7 = 0x7f7f7f7f7f7f7f7fL;

    static int lane(long x, int i, int w) {
        return (int) (x >>> (i * w));
    }

    private static final boolean[] LANE_WISE = new boolean[256];

    static {
        for (int op : new int[]{0x64, 0x65, 0x66, 0x74, 0x75, 0x76, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde,
            0xdf, 0xe0, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf4, 0xf5, 0xf6, 0xf8, 0xf9,
            0xfa, 0xfb, 0xfc, 0xfd, 0xfe}) {
            LANE_WISE[op] = true;
        }
    }

    /**
     * Whether {@code opcode} (0F xx) is a lane-wise binary operation handled by {@link #op}. A
     * table rather than a switch: small enough for the JIT to inline into every dispatch.
     */
    static boolean isLaneWise(int opcode) {
        return (opcode & ~0xff) == 0 && LANE_WISE[opcode];
    }

    /** dest op src on one quadword. */
    static long op(int opcode, long a, long b) {
        switch (opcode) {
            case 0xdb: return a & b;
            case 0xdf: return ~a & b;
            case 0xeb: return a | b;
            case 0xef: return a ^ b;
            case 0x74: return eqMask8(a ^ b);
            case 0x75: return cmp(a, b, 16, 0);
            case 0x76: return cmp(a, b, 32, 0);
            case 0x64: return cmp(a, b, 8, 1);
            case 0x65: return cmp(a, b, 16, 1);
            case 0x66: return cmp(a, b, 32, 1);
            case 0xfc: return ((a & L7) + (b & L7)) ^ ((a ^ b) & H8);
            case 0xfd: return add(a, b, 16);
            case 0xfe: return add(a, b, 32);
            case 0xd4: return a + b;
            case 0xf8: return ((a | H8) - (b & L7)) ^ ((a ^ ~b) & H8);
            case 0xf9: return sub(a, b, 16);
            case 0xfa: return sub(a, b, 32);
            case 0xfb: return a - b;
            default: break;
        }
        long r = 0;
        switch (opcode) {
            case 0xec, 0xe8, 0xdc, 0xd8 -> { // saturating byte add/sub
                boolean signed = opcode >= 0xe8;
                boolean isSub = opcode == 0xe8 || opcode == 0xd8;
                for (int i = 0; i < 8; i++) {
                    int x = signed ? (byte) lane(a, i, 8) : lane(a, i, 8) & 0xff;
                    int y = signed ? (byte) lane(b, i, 8) : lane(b, i, 8) & 0xff;
                    int v = isSub ? x - y : x + y;
                    v = signed ? Math.max(-128, Math.min(127, v)) : Math.max(0, Math.min(255, v));
                    r |= (long) (v & 0xff) << (8 * i);
                }
            }
            case 0xed, 0xe9, 0xdd, 0xd9 -> {
                boolean signed = opcode >= 0xe9;
                boolean isSub = opcode == 0xe9 || opcode == 0xd9;
                for (int i = 0; i < 4; i++) {
                    int x = signed ? (short) lane(a, i, 16) : lane(a, i, 16) & 0xffff;
                    int y = signed ? (short) lane(b, i, 16) : lane(b, i, 16) & 0xffff;
                    int v = isSub ? x - y : x + y;
                    v = signed ? Math.max(-32768, Math.min(32767, v)) : Math.max(0, Math.min(65535, v));
                    r |= (long) (v & 0xffff) << (16 * i);
                }
            }
            case 0xd5, 0xe5, 0xe4 -> { // PMULLW, PMULHW, PMULHUW
                for (int i = 0; i < 4; i++) {
                    int x = opcode == 0xe4 ? lane(a, i, 16) & 0xffff : (short) lane(a, i, 16);
                    int y = opcode == 0xe4 ? lane(b, i, 16) & 0xffff : (short) lane(b, i, 16);
                    long p = (long) x * y;
                    int v = opcode == 0xd5 ? (int) p : (int) (p >> 16);
                    r |= (long) (v & 0xffff) << (16 * i);
                }
            }
            case 0xf4 -> r = (a & 0xffffffffL) * (b & 0xffffffffL);
            case 0xf5 -> {
                for (int i = 0; i < 2; i++) {
                    int s = (short) lane(a, 2 * i, 16) * (short) lane(b, 2 * i, 16)
                            + (short) lane(a, 2 * i + 1, 16) * (short) lane(b, 2 * i + 1, 16);
                    r |= (s & 0xffffffffL) << (32 * i);
                }
            }
            case 0xf6 -> {
                int sum = 0;
                for (int i = 0; i < 8; i++) {
                    sum += Math.abs((lane(a, i, 8) & 0xff) - (lane(b, i, 8) & 0xff));
                }
                r = sum;
            }
            case 0xe0 -> {
                for (int i = 0; i < 8; i++) {
                    int v = ((lane(a, i, 8) & 0xff) + (lane(b, i, 8) & 0xff) + 1) >> 1;
                    r |= (long) v << (8 * i);
                }
            }
            case 0xe3 -> {
                for (int i = 0; i < 4; i++) {
                    int v = ((lane(a, i, 16) & 0xffff) + (lane(b, i, 16) & 0xffff) + 1) >> 1;
                    r |= (long) v << (16 * i);
                }
            }
            case 0xda, 0xde -> {
                for (int i = 0; i < 8; i++) {
                    int x = lane(a, i, 8) & 0xff;
                    int y = lane(b, i, 8) & 0xff;
                    r |= (long) (opcode == 0xda ? Math.min(x, y) : Math.max(x, y)) << (8 * i);
                }
            }
            case 0xea, 0xee -> {
                for (int i = 0; i < 4; i++) {
                    int x = (short) lane(a, i, 16);
                    int y = (short) lane(b, i, 16);
                    r |= (long) ((opcode == 0xea ? Math.min(x, y) : Math.max(x, y)) & 0xffff) << (16 * i);
                }
            }
            default -> throw new IllegalArgumentException("not a lane-wise op: " + Integer.toHexString(opcode));
        }
        return r;
    }

    /** 0x80 in each zero byte of x, 0 elsewhere, widened to 0xff. */
    static long eqMask8(long x) {
        long hi = ~(((x & L7) + L7) | x | L7);
        return (hi >>> 7) * 0xff;
    }

    private static long add(long a, long b, int w) {
        long r = 0;
        long m = (1L << w) - 1;
        for (int i = 0; i < 64; i += w) {
            r |= (((a >>> i) + (b >>> i)) & m) << i;
        }
        return r;
    }

    private static long sub(long a, long b, int w) {
        long r = 0;
        long m = (1L << w) - 1;
        for (int i = 0; i < 64; i += w) {
            r |= (((a >>> i) - (b >>> i)) & m) << i;
        }
        return r;
    }

    /** kind 0: equal, 1: signed greater. */
    private static long cmp(long a, long b, int w, int kind) {
        long r = 0;
        long m = w == 64 ? -1L : (1L << w) - 1;
        for (int i = 0; i < 64; i += w) {
            long x = (a >>> i) & m;
            long y = (b >>> i) & m;
            boolean t;
            if (kind == 0) {
                t = x == y;
            } else {
                long sx = (x << (64 - w)) >> (64 - w);
                long sy = (y << (64 - w)) >> (64 - w);
                t = sx > sy;
            }
            if (t) {
                r |= m << i;
            }
        }
        return r;
    }

    /** PMOVMSKB on a quadword: the top bit of each byte. */
    static int moveMask8(long x) {
        return (int) (((x & H8) * 0x0002040810204081L) >>> 56) & 0xff;
    }

    // ---- packs and unpacks on quadword pairs ----

    /** Interleaves the low halves of a and b in units of w bits (a first). */
    static long unpackLo(long a, long b, int w) {
        return interleave(a, b, w, 0);
    }

    static long unpackHi(long a, long b, int w) {
        return interleave(a, b, w, 32);
    }

    private static long interleave(long a, long b, int w, int from) {
        if (w == 64) {
            throw new IllegalArgumentException();
        }
        long m = (1L << w) - 1;
        long r = 0;
        int pos = 0;
        for (int i = from; i < from + 32; i += w) {
            r |= ((a >>> i) & m) << pos;
            pos += w;
            r |= ((b >>> i) & m) << pos;
            pos += w;
        }
        return r;
    }

    /**
     * Packs two quadwords of elements of 2*w bits (lo first) into one quadword of w-bit
     * elements with signed or unsigned saturation (PACKSSWB/PACKUSWB/PACKSSDW).
     */
    static long pack(long lo, long hi, int w, boolean signedSat) {
        int n = 64 / (2 * w);
        long r = 0;
        int pos = 0;
        long[] src = {lo, hi};
        for (long q : src) {
            for (int i = 0; i < n; i++) {
                long v = (q << (64 - 2 * w * (i + 1))) >> (64 - 2 * w);
                long min = signedSat ? -(1L << (w - 1)) : 0;
                long max = signedSat ? (1L << (w - 1)) - 1 : (1L << w) - 1;
                v = Math.max(min, Math.min(max, v));
                r |= (v & ((1L << w) - 1)) << pos;
                pos += w;
            }
        }
        return r;
    }

    // ---- shifts ----

    /** Logical/arithmetic shift of each w-bit element by {@code count} (unsigned 64-bit). */
    static long shift(long a, int w, long count, int kind) {
        // kind 0: logical right, 1: arithmetic right, 2: left
        if (Long.compareUnsigned(count, w - 1) > 0) {
            if (kind != 1) {
                return 0;
            }
            count = w - 1;
        }
        int c = (int) count;
        if (w == 64) {
            return kind == 0 ? a >>> c : kind == 1 ? a >> c : a << c;
        }
        long m = (1L << w) - 1;
        long r = 0;
        for (int i = 0; i < 64; i += w) {
            long x = (a >>> i) & m;
            long v = switch (kind) {
                case 0 -> x >>> c;
                case 1 -> ((x << (64 - w)) >> (64 - w)) >> c;
                default -> x << c;
            };
            r |= (v & m) << i;
        }
        return r;
    }

    /** PSHUFW/PSHUFLW/PSHUFHW on one quadword of four words. */
    static long shuffle16(long a, int imm) {
        long r = 0;
        for (int i = 0; i < 4; i++) {
            r |= ((a >>> (16 * ((imm >> (2 * i)) & 3))) & 0xffff) << (16 * i);
        }
        return r;
    }
}
