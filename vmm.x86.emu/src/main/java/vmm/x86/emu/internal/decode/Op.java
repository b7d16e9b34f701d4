package vmm.x86.emu.internal.decode;

/** Operation ids the decoder assigns and the executor dispatches on. */
public final class Op {
    private Op() {
    }

    public static final int UD = 0,
            // ALU: sub = 0 add, 1 or, 2 adc, 3 sbb, 4 and, 5 sub, 6 xor, 7 cmp
            ALU_RM_R = 1, ALU_R_RM = 2, ALU_RM_I = 3, TEST_RM_R = 4, TEST_RM_I = 5, INC = 6, DEC = 7, NOT = 8,
            NEG = 9, MUL = 10, IMUL1 = 11, DIV = 12, IDIV = 13, IMUL_R_RM = 14, IMUL_R_RM_I = 15,
            // shifts: sub = ModRM.reg; cc: 0 count 1, 1 CL, 2 imm
            SHIFT = 16, SHLD = 17, SHRD = 18,
            // bit ops: sub 4 bt, 5 bts, 6 btr, 7 btc
            BT_R = 19, BT_I = 20, BSF = 21, BSR = 22, BSWAP = 23,
            MOV_RM_R = 24, MOV_R_RM = 25, MOV_RM_I = 26, LEA = 27, MOVZX = 28, MOVSX = 29, XCHG = 30, CMOV = 31,
            SETCC = 32, CBW = 33, CWD = 34, LAHF = 35, SAHF = 36, XLAT = 37, CMPXCHG = 38, CMPXCHG8B = 39,
            XADD = 40, NOP = 41, PAUSE = 42,
            PUSH_R = 43, POP_R = 44, PUSH_I = 45, PUSH_RM = 46, POP_RM = 47, PUSH_SEG = 48, POP_SEG = 49,
            PUSHA = 50, POPA = 51, PUSHF = 52, POPF = 53, ENTER = 54, LEAVE = 55,
            JMP_REL = 56, JCC = 57, CALL_REL = 58, RET = 59, JMP_RM = 60, CALL_RM = 61, JMP_FAR = 62,
            CALL_FAR = 63, JMP_FAR_MEM = 64, CALL_FAR_MEM = 65, RETF = 66, IRET = 67, LOOP = 68, JCXZ = 69,
            INT = 70, INT3 = 71, INTO = 72, INT1 = 73, HLT = 74, SYSCALL = 75, SYSRET = 76, SYSENTER = 77,
            SYSEXIT = 78,
            // strings: sub = 0 movs, 1 cmps, 2 stos, 3 lods, 4 scas, 5 ins, 6 outs
            STRING = 79,
            IN = 80, OUT = 81,
            CMC = 82, CLC = 83, STC = 84, CLI = 85, STI = 86, CLD = 87, STD = 88,
            DAA = 89, DAS = 90, AAA = 91, AAS = 92, AAM = 93, AAD = 94,
            MOV_SEG_RM = 95, MOV_RM_SEG = 96, LOAD_FAR_PTR = 97,
            GRP6 = 98, GRP7 = 99, LAR = 100, LSL = 101, CLTS = 102, WBINVD = 103, MOV_CR = 104, MOV_DR = 105,
            WRMSR = 106, RDMSR = 107, RDTSC = 108, CPUID = 109, FENCE = 110, CLFLUSH = 111,
            FPU = 112, ARPL = 113, MOVSXD = 114, SALC = 115, RDPMC = 116, POPCNT_UD = 117, TOO_LONG = 118,
            // cc: 0 RDRAND, 1 RDSEED
            RDRAND = 119;
}
