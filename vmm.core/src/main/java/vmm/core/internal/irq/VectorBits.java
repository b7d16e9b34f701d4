package vmm.core.internal.irq;

/** The local APIC's 256-bit vector registers (IRR, ISR, TMR) as eight ints, vector 0 in bit 0 of the first. */
final class VectorBits {

    private VectorBits() {
    }

    /** The highest vector set, or -1. */
    static int highest(int[] bits) {
        for (int i = 7; i >= 0; i--) {
            if (bits[i] != 0) {
                return i * 32 + 31 - Integer.numberOfLeadingZeros(bits[i]);
            }
        }
        return -1;
    }

    static boolean get(int[] bits, int vector) {
        return (bits[vector >>> 5] & (1 << (vector & 31))) != 0;
    }

    static void set(int[] bits, int vector, boolean value) {
        if (value) {
            bits[vector >>> 5] |= 1 << (vector & 31);
        } else {
            bits[vector >>> 5] &= ~(1 << (vector & 31));
        }
    }
}
