package vmm.x86.emu.internal.fpu;

import java.util.random.RandomGenerator;

/** Random register states rich in edge cases: signed zeros, infinities, NaNs, denormals, ties. */
final class Gen {

    private final RandomGenerator r;

    Gen(RandomGenerator r) {
        this.r = r;
    }

    private static final int[] FLOATS = {0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
        0x7fa00000, 0xffbfffff, 1, 0x80000001, 0x007fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f800000,
        0xbf800000, 0x3fc00000, 0x3f000000, 0x4b800000, 0x4f000000, 0xcf000000, 0x4effffff, 0x5f000000, 0xdf000000,
        0x40200000, 0x40600000, 0xc0200000, 0x3effffff, 0x00400000, 0x0ffffff0, 0x4f7fffff, 0x5effffff, 0x3f7fffff,
        0x00000100, 0x80400000, 0x00ffffff, 0x7effffff, 0x20000001};

    private static final long[] DOUBLES = {0, Long.MIN_VALUE, 0x7ff0000000000000L, 0xfff0000000000000L,
        0x7ff8000000000000L, 0xfff8000000000000L, 0x7ff0000000000001L, 0x7ff4000000000000L, 1, 0x8000000000000001L,
        0x000fffffffffffffL, 0x0010000000000000L, 0x8010000000000000L, 0x7fefffffffffffffL, 0xffefffffffffffffL,
        0x3ff0000000000000L, 0xbff0000000000000L, 0x3ff8000000000000L, 0x3fe0000000000000L, 0x41e0000000000000L,
        0xc1e0000000000000L, 0x41dfffffffc00000L, 0x41dfffffffe00000L, 0xc1e0000000100000L, 0x43e0000000000000L,
        0xc3e0000000000000L, 0x43dfffffffffffffL, 0x4004000000000000L, 0x400c000000000000L, 0x47efffffe0000000L,
        0x47efffffffffffffL, 0x36a0000000000000L, 0x3690000000000000L, 0x380fffffffffffffL, 0x3810000000000000L,
        0x3ff0000000000001L, 0x0008000000000000L, 0x3fdfffffffffffffL, 0x4330000000000000L};

    int flt() {
        return switch (r.nextInt(6)) {
            case 0 -> FLOATS[r.nextInt(FLOATS.length)];
            case 1 -> r.nextInt();
            case 2 -> (r.nextInt() & 0x80000000) | ((127 - 40 + r.nextInt(80)) << 23) | (r.nextInt() & 0x7fffff);
            case 3 -> (r.nextInt() & 0x80000000) | ((127 + r.nextInt(4)) << 23) | (r.nextInt(8) << 20);
            case 4 -> (r.nextInt() & 0x80000000) | (r.nextBoolean() ? (r.nextInt(3) << 23) : (250 + r.nextInt(5)) << 23)
                    | (r.nextInt() & 0x7fffff);
            default -> Float.floatToRawIntBits((float) (r.nextInt(2001) - 1000) / (1 << r.nextInt(4)));
        };
    }

    long dbl() {
        return switch (r.nextInt(6)) {
            case 0 -> DOUBLES[r.nextInt(DOUBLES.length)];
            case 1 -> r.nextLong();
            case 2 -> (r.nextLong() & Long.MIN_VALUE) | ((long) (1023 - 60 + r.nextInt(120)) << 52)
                    | (r.nextLong() & 0xfffffffffffffL);
            case 3 -> (r.nextLong() & Long.MIN_VALUE) | ((long) (1023 + r.nextInt(4)) << 52) | ((long) r.nextInt(8) << 49);
            case 4 -> (r.nextLong() & Long.MIN_VALUE)
                    | ((long) (r.nextBoolean() ? r.nextInt(3) : 0x7fc + r.nextInt(3)) << 52) | (r.nextLong() & 0xfffffffffffffL);
            default -> Double.doubleToRawLongBits(r.nextBoolean() ? (double) (r.nextInt(2001) - 1000) / (1 << r.nextInt(4))
                    : Float.intBitsToFloat(flt()));
        };
    }

    long intish() {
        return switch (r.nextInt(4)) {
            case 0 -> new long[]{0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000L,
                0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 0x100, 0x10000}[r.nextInt(16)];
            case 1 -> r.nextLong();
            case 2 -> r.nextInt(512) - 256;
            default -> r.nextInt();
        };
    }

    /** A 128-bit register value: floats, doubles, integers, bytes or noise. */
    long[] xmm() {
        long[] v = new long[2];
        switch (r.nextInt(5)) {
            case 0 -> {
                for (int i = 0; i < 2; i++) {
                    v[i] = (flt() & 0xffffffffL) | ((long) flt() << 32);
                }
            }
            case 1 -> {
                v[0] = dbl();
                v[1] = dbl();
            }
            case 2 -> {
                v[0] = (intish() & 0xffffffffL) | (intish() << 32);
                v[1] = r.nextBoolean() ? intish() : (intish() & 0xffffffffL) | (intish() << 32);
            }
            case 3 -> {
                for (int i = 0; i < 16; i++) {
                    long b = new long[]{0, 0x7f, 0x80, 0xff, 0x01, 0xfe, r.nextInt(256), r.nextInt(256)}[r.nextInt(8)];
                    v[i / 8] |= b << (8 * (i % 8));
                }
            }
            default -> {
                v[0] = r.nextLong();
                v[1] = r.nextLong();
            }
        }
        return v;
    }

    /** An 80-bit value as {se, mant}. */
    long[] ext() {
        switch (r.nextInt(9)) {
            case 0 -> {
                long[][] k = {{0, 0}, {0x8000, 0}, {0x7fff, 1L << 63}, {0xffff, 1L << 63}, {0x7fff, 0xc000000000000000L},
                    {0xffff, 0xc000000000000000L}, {0x7fff, 0x8000000000000001L}, {0x7fff, 0xa000000000000000L},
                    {0, 1}, {0x8000, 0x7fffffffffffffffL}, {1, 1L << 63}, {0x7ffe, -1L}, {0xfffe, -1L}, {0x3fff, 1L << 63},
                    {0xbfff, 1L << 63}, {0x3ffe, 1L << 63}, {0x4000, 0xc000000000000000L}, {0x403e, 1L << 63},
                    {0xc03e, 1L << 63}, {0x401d, 1L << 63}, {0x400e, 1L << 63}, {0x4000, 0xc90fdaa22168c235L},
                    {0x4035, 0xde0b6b3a76400000L}, {0x403a, 0xde0b6b3a76400000L}, {0x3fff, 0x8000000000000001L},
                    {0x3fff, 0xc000000000000000L}, {0x4000, 0xa000000000000000L}, {0x4001, 0xe000000000000000L}};
                return k[r.nextInt(k.length)];
            }
            case 1 -> {
                return new long[]{(r.nextInt() & 0x8000) | (0x3fff - 70 + r.nextInt(140)), r.nextLong() | Long.MIN_VALUE};
            }
            case 2 -> { // few significant bits: exact arithmetic, ties under precision control
                return new long[]{(r.nextInt() & 0x8000) | (0x3fff + r.nextInt(6)),
                    Long.MIN_VALUE | ((long) r.nextInt(1 << 12) << (r.nextInt(52)))};
            }
            case 3 -> {
                return new long[]{(r.nextInt() & 0x8000) | (r.nextBoolean() ? r.nextInt(3) : 0x7ffd + r.nextInt(2)),
                    r.nextLong() | (r.nextInt(8) == 0 ? 0 : Long.MIN_VALUE)};
            }
            case 4 -> { // unnormals, pseudo-denormals, pseudo-NaNs
                return new long[]{(r.nextInt() & 0x8000) | new int[]{0, 0x3fff, 0x7fff}[r.nextInt(3)], r.nextLong() & Long.MAX_VALUE | (r.nextInt(2) == 0 ? Long.MIN_VALUE : 0)};
            }
            case 5 -> {
                long d = dbl();
                SoftFloat.Val v = SoftFloat.ofDouble(d);
                return new long[]{X87.seOf(v), X87.mantOf(v)};
            }
            case 6 -> {
                SoftFloat.Val v = X87Load.ofLong(intish());
                return new long[]{X87.seOf(v), X87.mantOf(v)};
            }
            case 7 -> { // halves and near-halves for rounding to integers
                long m = Long.MIN_VALUE | ((long) r.nextInt(64) << 56) | (r.nextBoolean() ? 0 : r.nextInt(4));
                return new long[]{(r.nextInt() & 0x8000) | (0x3fff + r.nextInt(8)), m};
            }
            default -> {
                return new long[]{r.nextInt() & 0xffff, r.nextLong()};
            }
        }
    }

    int fcw(boolean unmaskSometimes) {
        int pc = new int[]{0, 2, 3, 3, 3, 1}[r.nextInt(6)];
        int masks = unmaskSometimes && r.nextInt(8) == 0 ? r.nextInt(64) : 0x3f;
        return 0x40 | masks | pc << 8 | r.nextInt(4) << 10;
    }

    int mxcsr(boolean unmaskSometimes) {
        int masks = unmaskSometimes && r.nextInt(6) == 0 ? r.nextInt(64) : 0x3f;
        int v = masks << 7 | r.nextInt(4) << 13;
        if (r.nextInt(4) == 0) {
            v |= 0x40;
        }
        if (r.nextInt(4) == 0) {
            v |= 0x8000;
        }
        if (r.nextInt(3) == 0) {
            v |= r.nextInt(64);
        }
        return v;
    }

    /** A whole FXSAVE image (first 416 bytes matter) with consistent x87 status. */
    byte[] fx(boolean x87Unmask, boolean sseUnmask) {
        byte[] b = new byte[512];
        int fcw = fcw(x87Unmask);
        int top = r.nextInt(8);
        int flags = r.nextInt(3) == 0 ? r.nextInt(64) & fcw : 0;
        int sw = flags | (top << 11) | (r.nextInt(16) == 0 ? 0x4700 & r.nextInt() : 0);
        if ((flags & ~fcw & 0x3f) != 0) {
            sw |= 0x8080;
        }
        SimdState.put(b, 0, 2, fcw);
        SimdState.put(b, 2, 2, sw);
        int tags = switch (r.nextInt(4)) {
            case 0 -> 0xff;
            case 1 -> 0;
            default -> r.nextInt(256);
        };
        SimdState.put(b, 4, 1, tags);
        SimdState.put(b, 24, 4, mxcsr(sseUnmask));
        for (int i = 0; i < 8; i++) {
            long[] e = ext();
            SimdState.put(b, 32 + 16 * i, 8, e[1]);
            SimdState.put(b, 40 + 16 * i, 2, e[0]);
        }
        for (int i = 0; i < 16; i++) {
            long[] x = xmm();
            SimdState.put(b, 160 + 16 * i, 8, x[0]);
            SimdState.put(b, 168 + 16 * i, 8, x[1]);
        }
        return b;
    }

    byte[] mem(int size) {
        byte[] m = new byte[size];
        for (int i = 0; i < size; i += 16) {
            long[] v;
            if (r.nextInt(3) == 0) {
                long[] e = ext();
                v = new long[]{e[1], e[0] | (r.nextLong() & ~0xffffL)};
            } else {
                v = xmm();
            }
            SimdState.put(m, i, 8, v[0]);
            SimdState.put(m, i + 8, 8, v[1]);
        }
        return m;
    }

    long[] gpr() {
        long[] g = new long[16];
        for (int i = 0; i < 16; i++) {
            g[i] = r.nextBoolean() ? intish() : r.nextLong();
        }
        return g;
    }

    long rflags() {
        return 0x202 | (r.nextBoolean() ? 1 : 0) | (r.nextBoolean() ? 4 : 0) | (r.nextBoolean() ? 0x40 : 0);
    }
}
