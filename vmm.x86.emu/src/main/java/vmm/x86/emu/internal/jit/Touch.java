package vmm.x86.emu.internal.jit;

import vmm.x86.emu.internal.decode.Insn;
import vmm.x86.emu.internal.decode.Op;
import vmm.x86.emu.internal.fpu.SimdInsn;

/**
 * What an instruction that runs through its handler touches of the state a translation keeps in
 * locals: the general registers it reads ({@code reads}, a bit per register, with a memory operand's
 * base and index) and writes, and whether it reads or writes the arithmetic flags. Around such an
 * instruction only those registers are stored and forgotten, instead of all of them. x87, MMX and
 * SSE instructions are classified from the architecture's definition of their opcodes; integer
 * instructions whose only registers are ModRM's and a known implicit one (over-approximated: both
 * ModRM registers read and written) and a few flag-only ones are classified too. Anything else,
 * and anything locked, is {@code null}, which keeps the full store and reload.
 */
record Touch(int reads, int writes, boolean flags) {
    private static final Touch FLAGS = new Touch(0, 0, true);
    private static final Touch NOTHING = new Touch(0, 0, false);
    private static final int RAX = 1, RCX = 1 << 1, RSI = 1 << 6, RDI = 1 << 7;
    /** MOVS, CMPS, STOS, LODS, SCAS: rAX, rCX, rSI, rDI (a memory operand names no register). */
    private static final Touch STRING = new Touch(RAX | RCX | RSI | RDI, RAX | RCX | RSI | RDI, true);

    static Touch of(Insn i) {
        if (i.lock) {
            return null;
        }
        return switch (i.op) {
            case Op.CLC, Op.STC, Op.CMC -> FLAGS;
            case Op.CLD, Op.STD -> NOTHING;
            case Op.FPU -> i.simd == null ? null : simd(i, i.simd);
            case Op.LAHF -> new Touch(0, RAX, true);
            case Op.SAHF -> new Touch(RAX, 0, true);
            // The forms not inlined: counts in CL, rotates through carry, memory operands.
            case Op.SHIFT, Op.SHLD, Op.SHRD -> modrm(i, RCX, true);
            case Op.BT_R, Op.BT_I, Op.BSF, Op.BSR, Op.XADD, Op.NOT, Op.NEG -> modrm(i, 0, true);
            case Op.CMPXCHG -> modrm(i, RAX, true);
            case Op.XCHG -> modrm(i, 0, false);
            // INS and OUTS (sub 5, 6) reach devices and stop the block anyway.
            case Op.STRING -> i.sub <= 4 ? STRING : null;
            default -> null;
        };
    }

    /** The ModRM operands (and {@code implicit}), each as read and written. */
    private static Touch modrm(Insn i, int implicit, boolean flags) {
        int regs = bit(i.reg) | (i.mem ? bit(i.base) | bit(i.index) : bit(i.rm)) | implicit;
        return new Touch(regs, regs, flags);
    }

    private static Touch simd(Insn i, SimdInsn s) {
        int addr = i.mem ? bit(i.base) | bit(i.index) : 0;
        return switch (s.map()) {
            case 0 -> x87(s, addr);
            case 0x0f -> twoByte(s, addr);
            case 0x0f38 -> switch (s.opcode()) {
                case 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x14, 0x15, 0x1c,
                        0x1d, 0x1e, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31, 0x32, 0x33,
                        0x34, 0x35, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41 ->
                        new Touch(addr, 0, false);
                case 0x17 -> new Touch(addr, 0, true); // PTEST
                default -> null;
            };
            case 0x0f3a -> switch (s.opcode()) {
                case 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x21, 0x40, 0x41, 0x42, 0x44 ->
                        new Touch(addr, 0, false);
                // PEXTRB/W/D/Q, EXTRACTPS: a register destination is r/m.
                case 0x14, 0x15, 0x16, 0x17 -> new Touch(addr, s.memory() ? 0 : bit(s.rm()), false);
                // PINSRB, PINSRD/Q: a register source is r/m.
                case 0x20, 0x22 -> new Touch(addr | (s.memory() ? 0 : bit(s.rm())), 0, false);
                default -> null;
            };
            default -> null;
        };
    }

    private static Touch twoByte(SimdInsn s, int addr) {
        int op = s.opcode();
        boolean scalar = s.prefix() == 0xf2 || s.prefix() == 0xf3;
        int rm = s.memory() ? 0 : bit(s.rm());
        if (op >= 0x10 && op <= 0x17 || op >= 0x51 && op <= 0x5f || op >= 0x60 && op <= 0x6d
                || op >= 0x70 && op <= 0x77 || op >= 0xd0 && op <= 0xd6 || op >= 0xd8 && op <= 0xef
                || op >= 0xf0 && op <= 0xf6 || op >= 0xf8 && op <= 0xfe) {
            return new Touch(addr, 0, false);
        }
        return switch (op) {
            case 0x28, 0x29, 0x2b, 0x6f, 0x7c, 0x7d, 0x7f, 0xc2, 0xc6 -> new Touch(addr, 0, false);
            // CVTSI2SS/SD read a general register; CVTPI2PS/PD an MMX register.
            case 0x2a -> new Touch(addr | (scalar ? rm : 0), 0, false);
            // CVT(T)SS/SD2SI write a general register; CVT(T)PS/PD2PI an MMX register.
            case 0x2c, 0x2d -> new Touch(addr, scalar ? bit(s.reg()) : 0, false);
            case 0x2e, 0x2f -> new Touch(addr, 0, true); // (U)COMISS/SD
            case 0x50, 0xc5, 0xd7 -> new Touch(addr, bit(s.reg()), false); // MOVMSKPS/PD, PEXTRW, PMOVMSKB
            case 0x6e, 0xc4 -> new Touch(addr | rm, 0, false); // MOVD/MOVQ from r/m, PINSRW
            // F3 0F 7E is MOVQ xmm, xmm/m64; otherwise MOVD/MOVQ to r/m.
            case 0x7e -> new Touch(addr, s.prefix() == 0xf3 ? 0 : rm, false);
            default -> null;
        };
    }

    private static Touch x87(SimdInsn s, int addr) {
        int m = s.modrm();
        if (m < 0xc0) {
            // FWAIT, or a memory operand: x87 memory forms touch no general register but the address.
            return new Touch(addr, 0, false);
        }
        int op = s.opcode();
        if ((op == 0xda || op == 0xdb) && m < 0xe0) {
            return FLAGS; // FCMOVcc
        }
        if ((op == 0xdb || op == 0xdf) && m >= 0xe8 && m < 0xf8) {
            return FLAGS; // F(U)COMI(P)
        }
        if (op == 0xdf && m == 0xe0) {
            return new Touch(0, 1, false); // FNSTSW AX
        }
        return NOTHING;
    }

    private static int bit(int reg) {
        return reg < 0 ? 0 : 1 << (reg & 15);
    }
}
