package vmm.x86.emu.internal.fpu;

import java.math.BigInteger;

/**
 * Exact binary floating-point arithmetic with IEEE rounding, shared by the x87 and SSE paths.
 *
 * <p>Operands are {@link Val}s: a class, a sign, and for finite non-zero values a 64-bit
 * significand with bit 63 set and the exponent of that bit. An operation computes the exact
 * result (or enough bits plus a sticky bit) with {@link BigInteger} and rounds once, in
 * {@link #round}, to any {@link Format}: float, double, 80-bit extended, and extended with
 * x87 precision control (24/53 bits of significand, extended exponent range). Java's own
 * arithmetic only rounds to nearest-even and reports no flags, hence this.
 */
final class SoftFloat {

    static final int RC_NEAREST = 0;
    static final int RC_DOWN = 1;
    static final int RC_UP = 2;
    static final int RC_ZERO = 3;

    /** Exception flags, in the bit positions MXCSR and the x87 status word share. */
    static final int IE = 1;
    static final int DE = 2;
    static final int ZE = 4;
    static final int OE = 8;
    static final int UE = 16;
    static final int PE = 32;

    static final int ZERO = 0;
    static final int FINITE = 1;
    static final int INF = 2;
    static final int QNAN = 3;
    static final int SNAN = 4;
    /** x87 unnormals, pseudo-NaNs and pseudo-infinities: invalid operands. */
    static final int UNSUPPORTED = 5;

    /**
     * A floating-point format: {@code precision} significand bits after rounding,
     * {@code emin}/{@code emax} the unbiased exponent range of normal numbers, and
     * {@code container} the significand bits of the storage format (differs from precision
     * only under x87 precision control).
     */
    record Format(int precision, int emin, int emax, int container) {
    }

    static final Format SINGLE = new Format(24, -126, 127, 24);
    static final Format DOUBLE = new Format(53, -1022, 1023, 53);
    static final Format EXT = new Format(64, -16382, 16383, 64);
    static final Format EXT53 = new Format(53, -16382, 16383, 64);
    static final Format EXT24 = new Format(24, -16382, 16383, 64);

    /**
     * An unpacked operand. Finite: value = sig * 2^(exp - 63), bit 63 of sig set. NaN: sig is
     * the 64-bit extended-style significand (bit 63 set, bit 62 the quiet bit).
     */
    record Val(int cls, boolean neg, long sig, int exp) {
        boolean isNan() {
            return cls == QNAN || cls == SNAN;
        }
    }

    /**
     * A rounded result: sig in the container's width (normal: its top bit set; subnormal: not
     * set, exponent emin), exp the unbiased exponent of the container's top bit.
     */
    record Rounded(boolean neg, boolean inf, long sig, int exp, int flags, boolean tiny, boolean up,
                   boolean wideInexact) {
    }

    /** Intel detects underflow tininess after rounding, for both the x87 and SSE. */
    private static final boolean TININESS_AFTER_ROUNDING = true;

    private SoftFloat() {
    }

    static Val finite(boolean neg, long sig, int exp) {
        if (sig == 0) {
            return new Val(ZERO, neg, 0, 0);
        }
        int lz = Long.numberOfLeadingZeros(sig);
        return new Val(FINITE, neg, sig << lz, exp - lz);
    }

    // ---- unpacking ----

    /** Unpacks a float; subnormals become FINITE (the caller handles DAZ and DE). */
    static Val ofFloat(int bits) {
        boolean neg = bits < 0;
        int e = (bits >>> 23) & 0xff;
        long frac = bits & 0x7fffffL;
        if (e == 0xff) {
            if (frac == 0) {
                return new Val(INF, neg, 0, 0);
            }
            return new Val((frac & 0x400000) != 0 ? QNAN : SNAN, neg, (1L << 63) | (frac << 40), 0);
        }
        if (e == 0) {
            return frac == 0 ? new Val(ZERO, neg, 0, 0) : finite(neg, frac << 40, -126);
        }
        return new Val(FINITE, neg, (1L << 63) | (frac << 40), e - 127);
    }

    static Val ofDouble(long bits) {
        boolean neg = bits < 0;
        int e = (int) (bits >>> 52) & 0x7ff;
        long frac = bits & 0xfffffffffffffL;
        if (e == 0x7ff) {
            if (frac == 0) {
                return new Val(INF, neg, 0, 0);
            }
            return new Val((frac & (1L << 51)) != 0 ? QNAN : SNAN, neg, (1L << 63) | (frac << 11), 0);
        }
        if (e == 0) {
            return frac == 0 ? new Val(ZERO, neg, 0, 0) : finite(neg, frac << 11, -1022);
        }
        return new Val(FINITE, neg, (1L << 63) | (frac << 11), e - 1023);
    }

    /** Unpacks an 80-bit value (sign and exponent in {@code se}, 64-bit significand). */
    static Val ofExt(int se, long mant) {
        boolean neg = (se & 0x8000) != 0;
        int e = se & 0x7fff;
        boolean integer = mant < 0;
        if (e == 0x7fff) {
            if (!integer) {
                return new Val(UNSUPPORTED, neg, mant, 0);
            }
            if ((mant << 1) == 0) {
                return new Val(INF, neg, 0, 0);
            }
            return new Val((mant & (1L << 62)) != 0 ? QNAN : SNAN, neg, mant, 0);
        }
        if (e == 0) {
            // denormals and pseudo-denormals (integer bit set) both have exponent emin
            return mant == 0 ? new Val(ZERO, neg, 0, 0) : finite(neg, mant, -16382);
        }
        if (!integer) {
            return new Val(UNSUPPORTED, neg, mant, 0);
        }
        return new Val(FINITE, neg, mant, e - 16383);
    }

    // ---- packing ----

    static int floatBits(Rounded r) {
        int s = r.neg() ? 0x80000000 : 0;
        if (r.inf()) {
            return s | 0x7f800000;
        }
        long sig = r.sig();
        if ((sig & (1L << 23)) != 0) {
            return s | ((r.exp() + 127) << 23) | (int) (sig & 0x7fffff);
        }
        return s | (int) sig;
    }

    static long doubleBits(Rounded r) {
        long s = r.neg() ? Long.MIN_VALUE : 0;
        if (r.inf()) {
            return s | 0x7ff0000000000000L;
        }
        long sig = r.sig();
        if ((sig & (1L << 52)) != 0) {
            return s | ((long) (r.exp() + 1023) << 52) | (sig & 0xfffffffffffffL);
        }
        return s | sig;
    }

    /** The sign/exponent word of an extended result; the significand is {@code r.sig()}. */
    static int extSe(Rounded r) {
        int s = r.neg() ? 0x8000 : 0;
        if (r.inf()) {
            return s | 0x7fff;
        }
        return r.sig() < 0 ? s | (r.exp() + 16383) : s;
    }

    static long extMant(Rounded r) {
        return r.inf() ? 1L << 63 : r.sig();
    }

    // ---- rounding ----

    /**
     * Rounds (mag + sticky) * 2^exp to {@code f} in rounding mode {@code rc}. {@code mag} must
     * be positive. {@code bias} (non-zero only for the x87's unmasked over/underflow) shifts the
     * exponent range check by that amount.
     */
    static Rounded round(boolean neg, BigInteger mag, int exp, boolean sticky, Format f, int rc) {
        int n = mag.bitLength();
        int e = exp + n - 1;
        // under x87 precision control a denormal keeps the reduced precision's last bit too
        int lsb = Math.max(e - (f.precision() - 1), f.emin() - (f.precision() - 1));
        int shift = lsb - exp;
        BigInteger kept;
        boolean half;
        boolean rest;
        if (shift <= 0) {
            kept = mag.shiftLeft(-shift);
            half = false;
            rest = sticky;
        } else {
            kept = mag.shiftRight(shift);
            half = mag.testBit(shift - 1);
            rest = sticky || mag.getLowestSetBit() < shift - 1;
        }
        boolean inexact = half || rest;
        boolean inc = switch (rc) {
            case RC_NEAREST -> half && (rest || kept.testBit(0));
            case RC_DOWN -> neg && inexact;
            case RC_UP -> !neg && inexact;
            default -> false;
        };
        boolean tiny = false;
        // inexact when rounded to full precision with an unbounded exponent (what the flags
        // report when overflow/underflow is unmasked)
        boolean wideInexact = inexact;
        if (e < f.emin()) {
            int wshift = e - (f.precision() - 1) - exp;
            wideInexact = sticky || (wshift > 0 && mag.getLowestSetBit() < wshift);
            tiny = true;
            if (TININESS_AFTER_ROUNDING && e == f.emin() - 1) {
                // would rounding to full precision with an unbounded exponent reach 2^emin?
                int ulsb = e - (f.precision() - 1);
                int ushift = ulsb - exp;
                if (ushift > 0) {
                    BigInteger uk = mag.shiftRight(ushift);
                    boolean uhalf = mag.testBit(ushift - 1);
                    boolean urest = sticky || mag.getLowestSetBit() < ushift - 1;
                    boolean uinexact = uhalf || urest;
                    boolean uinc = switch (rc) {
                        case RC_NEAREST -> uhalf && (urest || uk.testBit(0));
                        case RC_DOWN -> neg && uinexact;
                        case RC_UP -> !neg && uinexact;
                        default -> false;
                    };
                    if (uinc && uk.add(BigInteger.ONE).bitLength() > f.precision()) {
                        tiny = false;
                    }
                }
            }
        }
        if (inc) {
            kept = kept.add(BigInteger.ONE);
            if (kept.bitLength() > f.precision()) {
                kept = kept.shiftRight(1);
                lsb++;
            }
        }
        int flags = inexact ? PE : 0;
        if (tiny && inexact) {
            flags |= UE;
        }
        if (kept.signum() == 0) {
            return new Rounded(neg, false, 0, f.emin(), flags, tiny, inc, wideInexact);
        }
        int top = lsb + kept.bitLength() - 1;
        if (top > f.emax()) {
            return overflow(neg, f, rc, flags, wideInexact);
        }
        long sig;
        int outExp;
        if (top >= f.emin()) {
            outExp = top;
            sig = kept.shiftLeft(lsb - (top - (f.container() - 1))).longValue();
        } else {
            outExp = f.emin();
            sig = kept.shiftLeft(lsb - (f.emin() - (f.container() - 1))).longValue();
        }
        return new Rounded(neg, false, sig, outExp, flags, tiny, inc, wideInexact);
    }

    static Rounded overflow(boolean neg, Format f, int rc, int flags, boolean wideInexact) {
        boolean toInf = switch (rc) {
            case RC_NEAREST -> true;
            case RC_DOWN -> neg;
            case RC_UP -> !neg;
            default -> false;
        };
        flags |= OE | PE;
        if (toInf) {
            return new Rounded(neg, true, 0, f.emax() + 1, flags, false, true, wideInexact);
        }
        long max = f.container() == 64
                ? -1L << (64 - f.precision())
                : ((1L << f.precision()) - 1) << (f.container() - f.precision());
        return new Rounded(neg, false, max, f.emax(), flags, false, false, wideInexact);
    }

    /** Rounds a finite unpacked value (e.g. a conversion between formats). */
    static Rounded round(Val v, Format f, int rc) {
        return round(v.neg(), unsigned(v.sig()), v.exp() - 63, false, f, rc);
    }

    static BigInteger unsigned(long x) {
        BigInteger b = BigInteger.valueOf(x & Long.MAX_VALUE);
        return x < 0 ? b.setBit(63) : b;
    }

    // ---- exact operations on finite non-zero operands ----

    /**
     * a + b (b's sign already flipped for subtraction) for finite operands, at least one
     * non-zero. An exact zero sum is +0, or -0 when rounding down.
     */
    static Rounded add(Val a, Val b, Format f, int rc) {
        if (a.cls() == ZERO) {
            return round(b, f, rc);
        }
        if (b.cls() == ZERO) {
            return round(a, f, rc);
        }
        if (a.exp() < b.exp()) {
            Val t = a;
            a = b;
            b = t;
        }
        int diff = a.exp() - b.exp();
        BigInteger ma = unsigned(a.sig());
        BigInteger mb = unsigned(b.sig());
        // beyond 160 bits the smaller operand only matters as a sticky bit below every
        // rounding position: jam it into one bit there
        int exp = b.exp() - 63;
        if (diff > 160) {
            diff = 160;
            mb = BigInteger.ONE;
            exp = a.exp() - 63 - 160;
        }
        ma = ma.shiftLeft(diff);
        BigInteger sum = a.neg() == b.neg() ? ma.add(mb) : ma.subtract(mb);
        boolean neg = a.neg();
        if (sum.signum() < 0) {
            neg = !neg;
            sum = sum.negate();
        } else if (sum.signum() == 0) {
            return new Rounded(rc == RC_DOWN, false, 0, f.emin(), 0, false, false, false);
        }
        return round(neg, sum, exp, false, f, rc);
    }

    static Rounded mul(Val a, Val b, Format f, int rc) {
        BigInteger p = unsigned(a.sig()).multiply(unsigned(b.sig()));
        return round(a.neg() ^ b.neg(), p, a.exp() + b.exp() - 126, false, f, rc);
    }

    static Rounded div(Val a, Val b, Format f, int rc) {
        BigInteger[] qr = unsigned(a.sig()).shiftLeft(130).divideAndRemainder(unsigned(b.sig()));
        return round(a.neg() ^ b.neg(), qr[0], a.exp() - b.exp() - 130, qr[1].signum() != 0, f, rc);
    }

    static Rounded sqrt(Val a, Format f, int rc) {
        // value = sig * 2^(exp-63); make the power even, then scale by 2^(2*k)
        BigInteger m = unsigned(a.sig());
        int e = a.exp() - 63;
        if ((e & 1) != 0) {
            m = m.shiftLeft(1);
            e--;
        }
        m = m.shiftLeft(140);
        e -= 140;
        BigInteger[] sr = m.sqrtAndRemainder();
        return round(false, sr[0], e / 2, sr[1].signum() != 0, f, rc);
    }

    /**
     * Rounds a finite value to an integer (as a value, in the same representation), for
     * FRNDINT and the integer conversions. Returns {sig-as-BigInteger-magnitude, inexact}.
     */
    static BigInteger[] toIntegral(Val v, int rc) {
        if (v.cls() == ZERO) {
            return new BigInteger[]{BigInteger.ZERO, BigInteger.ZERO};
        }
        BigInteger m = unsigned(v.sig());
        int shift = 63 - v.exp();
        if (shift <= 0) {
            return new BigInteger[]{m.shiftLeft(-shift), BigInteger.ZERO};
        }
        BigInteger kept;
        boolean half;
        boolean rest;
        if (shift > 65) {
            kept = BigInteger.ZERO;
            half = false;
            rest = true;
        } else {
            kept = m.shiftRight(shift);
            half = m.testBit(shift - 1);
            rest = m.getLowestSetBit() < shift - 1;
        }
        boolean inexact = half || rest;
        boolean inc = switch (rc) {
            case RC_NEAREST -> half && (rest || kept.testBit(0));
            case RC_DOWN -> v.neg() && inexact;
            case RC_UP -> !v.neg() && inexact;
            default -> false;
        };
        if (inc) {
            kept = kept.add(BigInteger.ONE);
        }
        return new BigInteger[]{kept, inexact ? (inc ? BigInteger.TWO : BigInteger.ONE) : BigInteger.ZERO};
    }

    /** Compares two finite-or-infinite non-NaN values: -1, 0, 1. */
    static int compare(Val a, Val b) {
        int ka = rank(a);
        int kb = rank(b);
        if (ka != kb || ka == 0 || Math.abs(ka) == 2) {
            return Integer.compare(ka, kb);
        }
        // both finite non-zero with the same sign
        int c = a.exp() != b.exp() ? Integer.compare(a.exp(), b.exp()) : Long.compareUnsigned(a.sig(), b.sig());
        return a.neg() ? -c : c;
    }

    private static int rank(Val v) {
        int r = switch (v.cls()) {
            case ZERO -> 0;
            case INF -> 2;
            default -> 1;
        };
        return v.neg() ? -r : r;
    }
}
