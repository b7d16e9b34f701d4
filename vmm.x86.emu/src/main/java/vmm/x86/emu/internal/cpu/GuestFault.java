package vmm.x86.emu.internal.cpu;

/**
 * A guest exception raised while executing an instruction. One preallocated instance per vCPU,
 * without a stack trace, so unwinding to the block loop costs no allocation; the vCPU's RIP still
 * points at the faulting instruction, and the loop delivers {@link #vector} through the IDT.
 */
public final class GuestFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8, TS = 10,
            NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19;

    public int vector;
    public int errorCode;
    public boolean hasErrorCode;

    public GuestFault() {
        super(null, null, false, false);
    }

    public GuestFault set(int vector, int errorCode, boolean hasErrorCode) {
        this.vector = vector;
        this.errorCode = errorCode;
        this.hasErrorCode = hasErrorCode;
        return this;
    }

    /** Whether the vector pushes an error code in protected mode. */
    public static boolean pushesErrorCode(int vector) {
        return vector == DF || vector == TS || vector == NP || vector == SS || vector == GP || vector == PF
                || vector == AC;
    }

    @Override
    public String getMessage() {
        return "guest exception " + vector + (hasErrorCode ? " error " + Integer.toHexString(errorCode) : "");
    }
}
