package vmm.x86.emu.internal.decode;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.fpu.FpuUnit;
import vmm.x86.emu.internal.fpu.SimdInsn;

/** The two-byte (0F) map, and the three-byte maps 0F 38 and 0F 3A, which all go to the FPU unit. */
final class TwoByteMap {
    private TwoByteMap() {
    }

    static void decode(Decoder d, Insn i, int b) {
        if (b == 0x38 || b == 0x3a) {
            int map = b == 0x38 ? 0x0f38 : 0x0f3a;
            int opcode = d.next();
            d.modrm(i);
            int imm = FpuUnit.hasImm8(map, opcode) ? d.next() : 0;
            simd(d, i, map, opcode, imm);
            return;
        }
        if (b == 0x77) {
            i.op = Op.FPU;
            i.simd = new SimdInsn(0x0f, 0x77, simdPrefix(d), -1, 0, 0, false, d.rexW(), i.osz, 0);
            return;
        }
        if (b >= 0x10 && FpuUnit.ownsTwoByte(b, peekModrm(d, b))) {
            d.modrm(i);
            int imm = FpuUnit.hasImm8(0x0f, b) ? d.next() : 0;
            simd(d, i, 0x0f, b, imm);
            return;
        }
        boolean x64 = d.mode == 8;
        switch (b) {
            case 0x00 -> {
                d.modrm(i);
                i.op = Op.GRP6;
                i.endsBlock = true;
            }
            case 0x01 -> {
                d.modrm(i);
                i.op = Op.GRP7;
                i.cc = d.modrm;
                i.endsBlock = true;
            }
            case 0x02, 0x03 -> {
                d.modrm(i);
                i.op = b == 2 ? Op.LAR : Op.LSL;
            }
            case 0x05 -> end(i, Op.SYSCALL);
            case 0x06 -> end(i, Op.CLTS);
            case 0x07 -> end(i, Op.SYSRET);
            case 0x08, 0x09 -> i.op = Op.WBINVD;
            case 0x0b, 0xb9 -> {
                if (b == 0xb9) {
                    d.modrm(i);
                }
                d.markUd(i);
                i.bytes = new byte[0];
            }
            case 0x0d, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f -> {
                d.modrm(i);
                i.op = Op.NOP;
            }
            case 0x20, 0x21, 0x22, 0x23 -> {
                d.modrm(i);
                // MOV to/from CR/DR always uses the register form and the full operand width.
                i.mem = false;
                i.osz = x64 ? 8 : 4;
                i.op = b == 0x20 || b == 0x22 ? Op.MOV_CR : Op.MOV_DR;
                i.cc = b & 2;
                if (d.lock && b <= 0x22 && !x64) {
                    i.lock = false;
                    i.reg |= 8;
                }
                i.endsBlock = true;
            }
            case 0x30 -> end(i, Op.WRMSR);
            case 0x31 -> i.op = Op.RDTSC;
            case 0x32 -> i.op = Op.RDMSR;
            case 0x33 -> i.op = Op.RDPMC;
            case 0x34 -> end(i, Op.SYSENTER);
            case 0x35 -> end(i, Op.SYSEXIT);
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e,
                 0x4f -> {
                d.modrm(i);
                i.op = Op.CMOV;
                i.cc = b & 15;
            }
            case 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e,
                 0x8f -> {
                OneByteMap.branchSize(d, i);
                i.op = Op.JCC;
                i.cc = b & 15;
                i.imm = i.osz == 2 ? d.imm16() : d.imm32();
                i.endsBlock = true;
            }
            case 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e,
                 0x9f -> {
                d.modrm(i);
                i.op = Op.SETCC;
                i.cc = b & 15;
                i.osz = 1;
                d.byteRm(i);
            }
            case 0xa0, 0xa8 -> {
                d.stackOperand(i);
                i.op = Op.PUSH_SEG;
                i.sub = b == 0xa0 ? Cpu.FS : Cpu.GS;
            }
            case 0xa1, 0xa9 -> {
                d.stackOperand(i);
                i.op = Op.POP_SEG;
                i.sub = b == 0xa1 ? Cpu.FS : Cpu.GS;
            }
            case 0xa2 -> end(i, Op.CPUID);
            case 0xa3, 0xab, 0xb3, 0xbb -> {
                d.modrm(i);
                i.op = Op.BT_R;
                i.sub = 4 + ((b >> 3) & 3);
            }
            case 0xa4, 0xa5, 0xac, 0xad -> {
                d.modrm(i);
                i.op = b < 0xa8 ? Op.SHLD : Op.SHRD;
                if ((b & 1) == 0) {
                    i.cc = 2;
                    i.imm = d.next();
                } else {
                    i.cc = 1;
                }
            }
            case 0xae -> {
                d.modrm(i);
                if (!i.mem) {
                    i.op = i.sub >= 5 ? Op.FENCE : Op.UD;
                } else {
                    i.op = i.sub == 7 ? Op.CLFLUSH : Op.UD;
                }
            }
            case 0xaf -> {
                d.modrm(i);
                i.op = Op.IMUL_R_RM;
            }
            case 0xb0, 0xb1 -> {
                d.modrm(i);
                i.op = Op.CMPXCHG;
                if (b == 0xb0) {
                    i.osz = 1;
                    d.byteReg(i);
                    d.byteRm(i);
                }
            }
            case 0xb2, 0xb4, 0xb5 -> {
                d.modrm(i);
                if (!i.mem) {
                    d.markUd(i);
                    return;
                }
                i.op = Op.LOAD_FAR_PTR;
                i.cc = b == 0xb2 ? Cpu.SS : b == 0xb4 ? Cpu.FS : Cpu.GS;
                i.endsBlock = b == 0xb2;
            }
            case 0xb6, 0xb7, 0xbe, 0xbf -> {
                d.modrm(i);
                i.op = b < 0xb8 ? Op.MOVZX : Op.MOVSX;
                i.cc = (b & 1) == 0 ? 1 : 2;
                if (i.cc == 1) {
                    d.byteRm(i);
                }
            }
            case 0xb8 -> {
                d.modrm(i);
                d.markUd(i);
            }
            case 0xba -> {
                d.modrm(i);
                i.op = i.sub >= 4 ? Op.BT_I : Op.UD;
                i.imm = d.next();
            }
            case 0xbc, 0xbd -> {
                d.modrm(i);
                i.op = b == 0xbc ? Op.BSF : Op.BSR;
            }
            case 0xc0, 0xc1 -> {
                d.modrm(i);
                i.op = Op.XADD;
                if (b == 0xc0) {
                    i.osz = 1;
                    d.byteReg(i);
                    d.byteRm(i);
                }
            }
            case 0xc3 -> {
                d.modrm(i);
                i.op = i.mem ? Op.MOV_RM_R : Op.UD;
            }
            case 0xc7 -> {
                d.modrm(i);
                if (i.sub == 1 && i.mem && !d.rexW()) {
                    i.op = Op.CMPXCHG8B;
                } else if ((i.sub == 6 || i.sub == 7) && !i.mem && i.rep == 0) {
                    // RDRAND, RDSEED (register forms; with F3, /7 would be RDPID, not implemented).
                    i.op = Op.RDRAND;
                    i.cc = i.sub - 6;
                } else {
                    i.op = Op.UD;
                }
            }
            case 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf -> {
                i.op = Op.BSWAP;
                i.rm = d.opReg(b);
            }
            default -> {
                d.markUd(i);
            }
        }
    }

    private static int peekModrm(Decoder d, int b) {
        if (b != 0xae) {
            return 0;
        }
        if (d.pos >= d.limit) {
            throw Decoder.TRUNCATED;
        }
        return d.buf[d.pos] & 0xff;
    }

    private static int simdPrefix(Decoder d) {
        return d.rep != 0 ? d.rep : d.opsizePrefix ? 0x66 : 0;
    }

    private static void simd(Decoder d, Insn i, int map, int opcode, int imm) {
        i.op = Op.FPU;
        int prefix = simdPrefix(d);
        i.simd = new SimdInsn(map, opcode, prefix, d.modrm, i.reg, i.rm, i.mem, d.rexW(), i.osz, imm);
        // F2/F3 here select the instruction; they are not REP prefixes.
        i.rep = 0;
    }

    private static void end(Insn i, int op) {
        i.op = op;
        i.endsBlock = true;
    }
}
