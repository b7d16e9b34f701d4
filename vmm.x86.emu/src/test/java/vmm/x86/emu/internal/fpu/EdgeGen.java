package vmm.x86.emu.internal.fpu;

import java.util.random.RandomGenerator;

/**
 * Operands aimed at the edges of the exact SSE fast paths (see {@link Mxcsr} and
 * {@link MxcsrConvert}): where Java's round-to-nearest arithmetic stops being the x86 answer
 * (overflow, results at and below the smallest normal, the tininess-after-rounding window,
 * denormal and zero operands, NaNs, integer-range limits) and where the inexact flag turns on.
 * Values are raw bits: a double's 64, or a float's 32 in the low half.
 */
final class EdgeGen {

    private final RandomGenerator r;

    EdgeGen(RandomGenerator r) {
        this.r = r;
    }

    static long bits(boolean dbl, double v) {
        return dbl ? Double.doubleToRawLongBits(v) : Float.floatToRawIntBits((float) v) & 0xffffffffL;
    }

    private static int p(boolean dbl) {
        return dbl ? 53 : 24;
    }

    private static int emin(boolean dbl) {
        return dbl ? -1022 : -126;
    }

    private static int emax(boolean dbl) {
        return dbl ? 1023 : 127;
    }

    /** A normal value of exponent e (clamped to the format), a full or a short significand. */
    double normal(boolean dbl, int e) {
        int p = p(dbl);
        e = Math.max(emin(dbl), Math.min(emax(dbl), e));
        long frac = switch (r.nextInt(4)) {
            case 0 -> (long) r.nextInt(16) << (p - 5);
            case 1 -> (1L << (p - 1)) - 1 - r.nextInt(3);
            default -> r.nextLong() & ((1L << (p - 1)) - 1);
        };
        double v = Math.scalb((double) ((1L << (p - 1)) | frac), e - (p - 1));
        return r.nextBoolean() ? -v : v;
    }

    private static final long[] SPECIAL_D = {0, Long.MIN_VALUE, 0x7ff0000000000000L, 0xfff0000000000000L,
        0x7ff8000000000000L, 0xfff8000000000000L, 0x7ff4000000000000L, 0xfff0000000000001L, 0x7ff8000000012345L,
        0x7ff0000000054321L, 0x0010000000000000L, 0x8010000000000000L, 0x0010000000000001L, 0x000fffffffffffffL, 1,
        0x8000000000000001L, 0x7fefffffffffffffL, 0xffefffffffffffffL, 0x3ff0000000000000L, 0xbff0000000000000L,
        0x3fe0000000000000L, 0x4330000000000000L, 0x4340000000000000L, 0x0008000000000000L};

    private static final int[] SPECIAL_F = {0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000,
        0xff800001, 0x7fc12345, 0x7f812345, 0x00800000, 0x80800000, 0x00800001, 0x007fffff, 1, 0x80000001, 0x7f7fffff,
        0xff7fffff, 0x3f800000, 0xbf800000, 0x3f000000, 0x4b000000, 0x4b800000, 0x00400000};

    long special(boolean dbl) {
        return dbl ? SPECIAL_D[r.nextInt(SPECIAL_D.length)] : SPECIAL_F[r.nextInt(SPECIAL_F.length)] & 0xffffffffL;
    }

    long denormal(boolean dbl) {
        long frac = dbl ? r.nextLong() & 0xfffffffffffffL : r.nextInt() & 0x7fffff;
        frac >>>= r.nextInt(dbl ? 52 : 23);
        frac = Math.max(frac, 1);
        long sign = r.nextBoolean() ? (dbl ? Long.MIN_VALUE : 0x80000000L) : 0;
        return sign | frac;
    }

    /** Any kind of operand. */
    long any(boolean dbl) {
        return switch (r.nextInt(8)) {
            case 0, 1 -> special(dbl);
            case 2 -> denormal(dbl);
            case 3 -> bits(dbl, r.nextInt(2001) - 1000);
            case 4 -> bits(dbl, normal(dbl, r.nextInt(emax(dbl) - emin(dbl) + 1) + emin(dbl)));
            case 5 -> bits(dbl, normal(dbl, r.nextBoolean() ? emin(dbl) + r.nextInt(8) : emax(dbl) - r.nextInt(8)));
            case 6 -> dbl ? r.nextLong() : r.nextInt() & 0xffffffffL;
            default -> bits(dbl, normal(dbl, r.nextInt(121) - 60));
        };
    }

    /** Operands {a, b} of a binary operation (or b alone for SQRT), aimed at its edges. */
    long[] pair(int op, boolean dbl) {
        int p = p(dbl);
        int emin = emin(dbl);
        int emax = emax(dbl);
        switch (r.nextInt(10)) {
            case 0, 1 -> {
                return new long[]{any(dbl), any(dbl)};
            }
            case 2 -> { // x - x, x + (-x): exact zero, whose sign depends on the rounding mode
                long a = bits(dbl, normal(dbl, r.nextInt(2 * emax) - emax));
                long b = r.nextBoolean() ? a : a ^ (dbl ? Long.MIN_VALUE : 0x80000000L);
                return new long[]{a, b};
            }
            case 3 -> { // near cancellation: tiny and denormal differences
                long a = bits(dbl, normal(dbl, r.nextBoolean() ? emin + r.nextInt(p + 2) : r.nextInt(200) - 100));
                long b = a ^ (1 + r.nextInt(7)) << r.nextInt(4);
                if (r.nextBoolean()) {
                    b ^= dbl ? Long.MIN_VALUE : 0x80000000L;
                }
                return new long[]{a, b};
            }
            case 4 -> { // results at the ends of the exponent range
                int[] targets = {emax, emax + 1, emax - 1, emin + 1, emin, emin - 1, emin - 2, emin - p / 2, emin - p + 1,
                    emin - p, emin - p - 1};
                int t = targets[r.nextInt(targets.length)];
                int ea = r.nextInt(emax - emin) + emin / 2;
                return switch (op) {
                    case Mxcsr.MUL -> new long[]{bits(dbl, normal(dbl, ea)), bits(dbl, normal(dbl, t - ea))};
                    case Mxcsr.DIV -> new long[]{bits(dbl, normal(dbl, t + ea / 2)), bits(dbl, normal(dbl, ea / 2))};
                    case Mxcsr.SQRT -> new long[]{0, bits(dbl, Math.abs(normal(dbl, 2 * t)))};
                    default -> new long[]{bits(dbl, normal(dbl, Math.min(t, emax))), bits(dbl, normal(dbl, t - r.nextInt(p + 3)))};
                };
            }
            case 5 -> {
                return op == Mxcsr.DIV ? tinyQuotient(dbl) : tinyProduct(dbl);
            }
            case 6 -> { // integers: exact sums, products, quotients
                int k = 1 + r.nextInt(dbl ? 30 : 14);
                double a = r.nextInt(1 << k) - (1 << (k - 1));
                double b = r.nextInt(1 << k) - (1 << (k - 1));
                if (op == Mxcsr.DIV && r.nextBoolean() && b != 0) {
                    a = a * b;
                }
                return new long[]{bits(dbl, a), bits(dbl, b)};
            }
            case 7 -> { // a zero with anything
                long z = r.nextBoolean() ? 0 : dbl ? Long.MIN_VALUE : 0x80000000L;
                return r.nextBoolean() ? new long[]{z, any(dbl)} : new long[]{any(dbl), z};
            }
            case 8 -> { // a NaN, a denormal or an infinity against a normal
                long odd = switch (r.nextInt(3)) {
                    case 0 -> denormal(dbl);
                    case 1 -> special(dbl);
                    default -> r.nextBoolean() ? (dbl ? 0x7ff0000000000001L : 0x7f800001L) : (dbl ? 0xfff8000000000001L : 0xffc00001L);
                };
                long n = bits(dbl, normal(dbl, r.nextInt(121) - 60));
                return r.nextBoolean() ? new long[]{odd, n} : new long[]{n, odd};
            }
            default -> {
                return new long[]{bits(dbl, normal(dbl, r.nextInt(121) - 60)), bits(dbl, normal(dbl, r.nextInt(121) - 60))};
            }
        }
    }

    /**
     * x * y = 2^emin * (1 - j^2 * 2^(2-2p)) with normal x, y: around the window where the
     * product rounds to the smallest normal in the format but is tiny before that rounding
     * (x86 detects tininess after rounding to the full precision with unbounded exponent).
     */
    long[] tinyProduct(boolean dbl) {
        int p = p(dbl);
        double lo = Math.pow(2, (p - 4) / 2.0);
        double hi = Math.pow(2, (p - 1) / 2.0);
        long j = (long) (lo + r.nextDouble() * (hi - lo));
        int e1 = r.nextInt(p(dbl) == 53 ? 1000 : 120) - (p(dbl) == 53 ? 1000 : 120) / 2;
        int e2 = emin(dbl) - e1;
        double x = Math.scalb((double) ((1L << p) - 2 * j), e1 - p);
        double y = Math.scalb((double) ((1L << (p - 1)) + j), e2 - (p - 1));
        boolean nx = r.nextBoolean();
        boolean ny = r.nextBoolean();
        return new long[]{bits(dbl, nx ? -x : x), bits(dbl, ny ? -y : y)};
    }

    /**
     * x / y just below 2^emin: 2^emin * (1 - d) with d about 2^-p, tiny and rounding to the
     * smallest normal or the largest denormal. (A quotient of p-bit significands cannot come
     * closer to a power of two than that, so division never lands in the product window.)
     */
    long[] tinyQuotient(boolean dbl) {
        int p = p(dbl);
        long b = (long) ((1L << (p - 2)) * (0.9 + 0.7 * r.nextDouble()));
        long a = b - 1 - (r.nextInt(4) == 0 ? r.nextInt(3) : 0);
        int k = r.nextInt(40) - 10;
        double x = Math.scalb((double) ((1L << (p - 1)) + a), emin(dbl) - (p - 1) + k);
        double y = Math.scalb((double) ((1L << (p - 1)) + b), -(p - 1) + k);
        return new long[]{bits(dbl, r.nextBoolean() ? -x : x), bits(dbl, r.nextBoolean() ? -y : y)};
    }

    /** A floating-point source for a conversion to a signed integer of {@code bits}. */
    long toIntSource(boolean dbl, int bits) {
        double lim = Math.scalb(1.0, bits - 1);
        return switch (r.nextInt(8)) {
            case 0 -> special(dbl);
            case 1 -> denormal(dbl);
            case 2 -> { // the limits and their neighbours
                double v = r.nextBoolean() ? lim : -lim;
                double[] d = {0, -0.25, -0.5, -0.75, -1, -1.5, 0.25, 0.5, 0.75, 1, 1.5};
                double w = v + d[r.nextInt(d.length)];
                if (r.nextBoolean()) {
                    w = r.nextBoolean() ? Math.nextUp(v) : Math.nextDown(v);
                    if (!dbl) {
                        w = r.nextBoolean() ? Math.nextUp((float) v) : Math.nextDown((float) v);
                    }
                }
                yield bits(dbl, w);
            }
            case 3 -> { // halves and quarters: ties in every rounding mode
                long k = r.nextLong() >> r.nextInt(dbl ? 11 : 40, 64);
                double[] f = {0.5, 0.25, 0.75, -0.5};
                yield bits(dbl, k + f[r.nextInt(f.length)]);
            }
            case 4 -> bits(dbl, normal(dbl, r.nextInt(bits + 8) - 4));
            case 5 -> bits(dbl, normal(dbl, -r.nextInt(dbl ? 1022 : 126)));
            case 6 -> bits(dbl, (double) (r.nextLong() >> r.nextInt(64)));
            default -> any(dbl);
        };
    }

    /** A double source for CVTSD2SS/CVTPD2PS: around the float format's limits. */
    long narrowSource() {
        return switch (r.nextInt(7)) {
            case 0 -> special(true);
            case 1 -> { // just below, at and above the smallest normal float
                double d = 0x1p-126 * (1 - (double) (r.nextInt(1 << 8)) * 0x1p-32 * (1 << r.nextInt(8)));
                yield bits(true, r.nextBoolean() ? -d : d);
            }
            case 2 -> { // between the largest float and 2^128
                double d = 0x1p104 * (0xffffff + r.nextDouble() * (r.nextBoolean() ? 1 : 0.5));
                if (r.nextInt(4) == 0) {
                    d = 0x1p104 * (0xffffff + 0.5);
                }
                yield bits(true, r.nextBoolean() ? -d : d);
            }
            case 3 -> bits(true, normal(true, -126 - r.nextInt(30)));
            case 4 -> bits(true, normal(true, r.nextInt(1000) - 500));
            case 5 -> { // exact float plus half an ulp (ties) or a little more or less
                float f = Float.intBitsToFloat((int) (any(false)));
                if (!Float.isFinite(f)) {
                    f = 1.5f;
                }
                double ulp = Math.ulp(f);
                yield bits(true, f + ulp * new double[]{0.5, 0.5 + 0x1p-29, 0.5 - 0x1p-29, 0.25}[r.nextInt(4)]);
            }
            default -> any(true);
        };
    }

    /** A signed integer source of {@code bits} for CVTSI2xx/CVTDQ2xx/CVTPI2xx. */
    long intSource(int bits) {
        long v = switch (r.nextInt(7)) {
            case 0 -> new long[]{0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE,
                Long.MIN_VALUE + 1, Long.MAX_VALUE - 1, -(1L << 62)}[r.nextInt(10)];
            case 1 -> (r.nextBoolean() ? 1L << 53 : 1L << 24) + r.nextInt(9) - 4;
            case 2 -> Long.MAX_VALUE - r.nextInt(4096);
            case 3 -> Long.MIN_VALUE + r.nextInt(4096);
            case 4 -> (r.nextLong() >> r.nextInt(64)) << r.nextInt(40);
            case 5 -> r.nextInt(1 << 16);
            default -> r.nextLong();
        };
        if (bits == 32) {
            v = r.nextInt(3) == 0 ? (int) v : (int) (v >> 32 | v);
        }
        if (r.nextInt(5) == 0) {
            v = -v;
        }
        return bits == 32 ? (int) v : v;
    }
}
