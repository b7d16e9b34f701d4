package vmm.x86.emu.internal.fpu;

/**
 * What the integer core gives the x87/MMX/SSE unit while it executes one instruction: the
 * instruction's memory operand (already resolved to a segment-checked effective address by the
 * decoder), the general registers, the flags that comparisons set, and exceptions.
 *
 * <p>Memory accesses may throw the core's guest-fault exception (#PF, #GP, #SS); the unit lets
 * it propagate, so an instruction that faults must not have changed any state before its last
 * access that can fault (load first, then write registers).
 */
public interface FpuHost {

    /** Reads {@code size} (1, 2, 4 or 8) bytes at the memory operand + {@code offset}. */
    long load(int offset, int size);

    /** Writes {@code size} (1, 2, 4 or 8) bytes at the memory operand + {@code offset}. */
    void store(int offset, int size, long value);

    /**
     * Checks that {@code length} bytes at the memory operand are writable (and aligned to
     * {@code alignment} if non-zero, else #GP(0)) before a multi-part store, so that a fault
     * leaves memory unchanged.
     */
    void probeWrite(int length, int alignment);

    /** Checks alignment of the memory operand (16 for most SSE forms): #GP(0) when misaligned. */
    void checkAlignment(int alignment);

    /** General register {@code index} (0-15), all 64 bits. */
    long gpr(int index);

    /**
     * Writes general register {@code index} with the architectural rules of {@code size}: 4
     * zero-extends to 64 bits, 8 writes all, 2 and 1 keep the upper bits.
     */
    void setGpr(int index, int size, long value);

    /** COMISS/UCOMISS and FCOMI-style results: sets ZF, PF, CF; clears OF, SF and AF. */
    void setCompareFlags(boolean zf, boolean pf, boolean cf);

    /** RFLAGS, for FCMOVcc (CF, ZF, PF). */
    long rflags();

    long cr0();

    long cr4();

    /** 16, 32 or 64: the code size, for FXSAVE's 64-bit layout and FNSTENV's. */
    int codeSize();

    /** Raises exception {@code vector} (without error code) in the guest; does not return. */
    RuntimeException fault(int vector);

    /**
     * MASKMOVQ/MASKMOVDQU: writes {@code size} bytes at DS:rDI + {@code offset} (rDI masked to
     * the address size, the segment checked like a normal store). The default, for a core that
     * does not offer it yet, raises #UD.
     */
    default void storeAtRdi(int offset, int size, long value) {
        throw fault(6);
    }
}
