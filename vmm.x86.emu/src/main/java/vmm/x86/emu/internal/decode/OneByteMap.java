package vmm.x86.emu.internal.decode;

import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.fpu.SimdInsn;

/** The one-byte opcode map. */
final class OneByteMap {
    private OneByteMap() {
    }

    static void decode(Decoder d, Insn i, int b) {
        boolean x64 = d.mode == 8;
        if (b < 0x40 && (b & 7) < 6) {
            alu(d, i, b);
            return;
        }
        switch (b) {
            case 0x06, 0x0e, 0x16, 0x1e -> {
                if (x64) {
                    d.markUd(i);
                } else {
                    i.op = Op.PUSH_SEG;
                    i.sub = b >> 3;
                }
            }
            case 0x07, 0x17, 0x1f -> {
                if (x64) {
                    d.markUd(i);
                } else {
                    i.op = Op.POP_SEG;
                    i.sub = b >> 3;
                    i.endsBlock = true;
                }
            }
            case 0x27 -> simple(d, i, Op.DAA, x64);
            case 0x2f -> simple(d, i, Op.DAS, x64);
            case 0x37 -> simple(d, i, Op.AAA, x64);
            case 0x3f -> simple(d, i, Op.AAS, x64);
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47 -> {
                i.op = Op.INC;
                i.rm = b & 7;
            }
            case 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f -> {
                i.op = Op.DEC;
                i.rm = b & 7;
            }
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57 -> {
                d.stackOperand(i);
                i.op = Op.PUSH_R;
                i.rm = d.opReg(b);
            }
            case 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f -> {
                d.stackOperand(i);
                i.op = Op.POP_R;
                i.rm = d.opReg(b);
            }
            case 0x60 -> simple(d, i, Op.PUSHA, x64);
            case 0x61 -> simple(d, i, Op.POPA, x64);
            case 0x63 -> {
                d.modrm(i);
                if (x64) {
                    i.op = Op.MOVSXD;
                } else {
                    i.op = Op.ARPL;
                    i.osz = 2;
                }
            }
            case 0x68 -> {
                d.stackOperand(i);
                i.op = Op.PUSH_I;
                i.imm = d.immZ(i.osz);
            }
            case 0x6a -> {
                d.stackOperand(i);
                i.op = Op.PUSH_I;
                i.imm = d.imm8();
            }
            case 0x69 -> {
                d.modrm(i);
                i.op = Op.IMUL_R_RM_I;
                i.imm = d.immZ(i.osz);
            }
            case 0x6b -> {
                d.modrm(i);
                i.op = Op.IMUL_R_RM_I;
                i.imm = d.imm8();
            }
            case 0x6c, 0x6d -> string(d, i, b, 5);
            case 0x6e, 0x6f -> string(d, i, b, 6);
            case 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e,
                 0x7f -> {
                branchSize(d, i);
                i.op = Op.JCC;
                i.cc = b & 15;
                i.imm = d.imm8();
                i.endsBlock = true;
            }
            case 0x80, 0x81, 0x82, 0x83 -> {
                if (b == 0x82 && x64) {
                    d.markUd(i);
                    return;
                }
                d.modrm(i);
                i.op = Op.ALU_RM_I;
                if (b != 0x81) {
                    if (b != 0x83) {
                        i.osz = 1;
                        d.byteRm(i);
                    }
                    i.imm = d.imm8();
                } else {
                    i.imm = d.immZ(i.osz);
                }
            }
            case 0x84, 0x85 -> {
                d.modrm(i);
                i.op = Op.TEST_RM_R;
                bytes(d, i, b);
            }
            case 0x86, 0x87 -> {
                d.modrm(i);
                i.op = Op.XCHG;
                bytes(d, i, b);
            }
            case 0x88, 0x89 -> {
                d.modrm(i);
                i.op = Op.MOV_RM_R;
                bytes(d, i, b);
            }
            case 0x8a, 0x8b -> {
                d.modrm(i);
                i.op = Op.MOV_R_RM;
                bytes(d, i, b);
            }
            case 0x8c -> {
                d.modrm(i);
                i.op = Op.MOV_RM_SEG;
                if (i.mem) {
                    i.osz = 2;
                }
            }
            case 0x8d -> {
                d.modrm(i);
                i.op = i.mem ? Op.LEA : Op.UD;
            }
            case 0x8e -> {
                d.modrm(i);
                i.op = Op.MOV_SEG_RM;
                i.osz = 2;
                i.endsBlock = true;
                if (i.sub == Cpu.CS || i.sub > 5) {
                    d.markUd(i);
                }
            }
            case 0x8f -> {
                d.stackOperand(i);
                d.modrm(i);
                i.op = i.sub == 0 ? Op.POP_RM : Op.UD;
            }
            case 0x90 -> {
                if ((d.rex & 1) != 0) {
                    i.op = Op.XCHG;
                    i.reg = 0;
                    i.rm = 8;
                } else {
                    i.op = d.rep == 0xf3 ? Op.PAUSE : Op.NOP;
                }
            }
            case 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97 -> {
                i.op = Op.XCHG;
                i.reg = 0;
                i.rm = d.opReg(b);
            }
            case 0x98 -> i.op = Op.CBW;
            case 0x99 -> i.op = Op.CWD;
            case 0x9a -> {
                if (x64) {
                    d.markUd(i);
                    return;
                }
                i.op = Op.CALL_FAR;
                i.imm = i.osz == 2 ? d.imm16() & 0xffff : d.imm32() & 0xffffffffL;
                i.imm2 = d.imm16() & 0xffff;
                i.endsBlock = true;
            }
            case 0x9b -> {
                i.op = Op.FPU;
                i.simd = new SimdInsn(0, 0x9b, 0, -1, 0, 0, false, false, i.osz, 0);
            }
            case 0x9c -> {
                d.stackOperand(i);
                i.op = Op.PUSHF;
            }
            case 0x9d -> {
                d.stackOperand(i);
                i.op = Op.POPF;
                i.endsBlock = true;
            }
            case 0x9e -> i.op = Op.SAHF;
            case 0x9f -> i.op = Op.LAHF;
            case 0xa0, 0xa1, 0xa2, 0xa3 -> {
                i.op = b < 0xa2 ? Op.MOV_R_RM : Op.MOV_RM_R;
                i.mem = true;
                i.reg = 0;
                i.disp = i.asz == 8 ? d.imm64() : i.asz == 4 ? d.imm32() & 0xffffffffL : d.imm16() & 0xffff;
                if ((b & 1) == 0) {
                    i.osz = 1;
                }
            }
            case 0xa4, 0xa5 -> string(d, i, b, 0);
            case 0xa6, 0xa7 -> string(d, i, b, 1);
            case 0xa8, 0xa9 -> {
                i.op = Op.TEST_RM_I;
                i.rm = 0;
                if (b == 0xa8) {
                    i.osz = 1;
                    i.imm = d.imm8();
                } else {
                    i.imm = d.immZ(i.osz);
                }
            }
            case 0xaa, 0xab -> string(d, i, b, 2);
            case 0xac, 0xad -> string(d, i, b, 3);
            case 0xae, 0xaf -> string(d, i, b, 4);
            case 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7 -> {
                i.op = Op.MOV_RM_I;
                i.osz = 1;
                i.rm = d.opReg(b);
                d.byteRm(i);
                i.imm = d.imm8();
            }
            case 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf -> {
                i.op = Op.MOV_RM_I;
                i.rm = d.opReg(b);
                i.imm = i.osz == 8 ? d.imm64() : d.immZ(i.osz);
            }
            case 0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3 -> {
                d.modrm(i);
                i.op = Op.SHIFT;
                if ((b & 1) == 0) {
                    i.osz = 1;
                    d.byteRm(i);
                }
                if (b < 0xd0) {
                    i.cc = 2;
                    i.imm = d.next();
                } else {
                    i.cc = b >= 0xd2 ? 1 : 0;
                }
            }
            case 0xc2, 0xc3 -> {
                branchSize(d, i);
                i.op = Op.RET;
                i.imm = b == 0xc2 ? d.imm16() & 0xffff : 0;
                i.endsBlock = true;
            }
            case 0xc4, 0xc5 -> {
                if (x64) {
                    d.markUd(i);
                    return;
                }
                d.modrm(i);
                if (!i.mem) {
                    d.markUd(i);
                    return;
                }
                i.op = Op.LOAD_FAR_PTR;
                i.cc = b == 0xc4 ? Cpu.ES : Cpu.DS;
            }
            case 0xc6, 0xc7 -> {
                d.modrm(i);
                i.op = i.sub == 0 ? Op.MOV_RM_I : Op.UD;
                if (b == 0xc6) {
                    i.osz = 1;
                    d.byteRm(i);
                    i.imm = d.imm8();
                } else {
                    i.imm = d.immZ(i.osz);
                }
            }
            case 0xc8 -> {
                d.stackOperand(i);
                i.op = Op.ENTER;
                i.imm = d.imm16() & 0xffff;
                i.imm2 = d.next();
            }
            case 0xc9 -> {
                d.stackOperand(i);
                i.op = Op.LEAVE;
            }
            case 0xca, 0xcb -> {
                i.op = Op.RETF;
                i.imm = b == 0xca ? d.imm16() & 0xffff : 0;
                i.endsBlock = true;
            }
            case 0xcc -> branch(i, Op.INT3);
            case 0xcd -> {
                branch(i, Op.INT);
                i.imm = d.next();
            }
            case 0xce -> {
                if (x64) {
                    d.markUd(i);
                } else {
                    branch(i, Op.INTO);
                }
            }
            case 0xcf -> branch(i, Op.IRET);
            case 0xd4, 0xd5 -> {
                if (x64) {
                    d.markUd(i);
                    return;
                }
                i.op = b == 0xd4 ? Op.AAM : Op.AAD;
                i.imm = d.next();
            }
            case 0xd6 -> simple(d, i, Op.SALC, x64);
            case 0xd7 -> i.op = Op.XLAT;
            case 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf -> {
                d.modrm(i);
                i.op = Op.FPU;
                i.simd = new SimdInsn(0, b, 0, d.modrm, i.reg, i.rm, i.mem, d.rexW(), i.osz, 0);
            }
            case 0xe0, 0xe1, 0xe2 -> {
                branchSize(d, i);
                i.op = Op.LOOP;
                i.sub = b - 0xe0;
                i.imm = d.imm8();
                i.endsBlock = true;
            }
            case 0xe3 -> {
                branchSize(d, i);
                i.op = Op.JCXZ;
                i.imm = d.imm8();
                i.endsBlock = true;
            }
            case 0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef -> {
                i.op = (b & 2) == 0 ? Op.IN : Op.OUT;
                if ((b & 1) == 0) {
                    i.osz = 1;
                } else if (i.osz == 8) {
                    i.osz = 4;
                }
                if (b < 0xe8) {
                    i.imm = d.next();
                    i.cc = 1;
                }
            }
            case 0xe8 -> {
                branchSize(d, i);
                i.op = Op.CALL_REL;
                i.imm = i.osz == 2 ? d.imm16() : d.imm32();
                i.endsBlock = true;
            }
            case 0xe9 -> {
                branchSize(d, i);
                i.op = Op.JMP_REL;
                i.imm = i.osz == 2 ? d.imm16() : d.imm32();
                i.endsBlock = true;
            }
            case 0xea -> {
                if (x64) {
                    d.markUd(i);
                    return;
                }
                i.op = Op.JMP_FAR;
                i.imm = i.osz == 2 ? d.imm16() & 0xffff : d.imm32() & 0xffffffffL;
                i.imm2 = d.imm16() & 0xffff;
                i.endsBlock = true;
            }
            case 0xeb -> {
                branchSize(d, i);
                i.op = Op.JMP_REL;
                i.imm = d.imm8();
                i.endsBlock = true;
            }
            case 0xf1 -> branch(i, Op.INT1);
            case 0xf4 -> branch(i, Op.HLT);
            case 0xf5 -> i.op = Op.CMC;
            case 0xf6, 0xf7 -> {
                d.modrm(i);
                if (b == 0xf6) {
                    i.osz = 1;
                    d.byteRm(i);
                }
                switch (i.sub) {
                    case 0, 1 -> {
                        i.op = Op.TEST_RM_I;
                        i.imm = b == 0xf6 ? d.imm8() : d.immZ(i.osz);
                    }
                    case 2 -> i.op = Op.NOT;
                    case 3 -> i.op = Op.NEG;
                    case 4 -> i.op = Op.MUL;
                    case 5 -> i.op = Op.IMUL1;
                    case 6 -> i.op = Op.DIV;
                    default -> i.op = Op.IDIV;
                }
            }
            case 0xf8 -> i.op = Op.CLC;
            case 0xf9 -> i.op = Op.STC;
            case 0xfa -> branch(i, Op.CLI);
            case 0xfb -> branch(i, Op.STI);
            case 0xfc -> i.op = Op.CLD;
            case 0xfd -> i.op = Op.STD;
            case 0xfe -> {
                d.modrm(i);
                i.osz = 1;
                d.byteRm(i);
                i.op = i.sub == 0 ? Op.INC : i.sub == 1 ? Op.DEC : Op.UD;
            }
            case 0xff -> group5(d, i);
            default -> d.markUd(i);
        }
    }

    private static void alu(Decoder d, Insn i, int b) {
        int form = b & 7;
        i.sub = b >> 3;
        int sub = i.sub;
        switch (form) {
            case 0, 1 -> {
                d.modrm(i);
                i.op = Op.ALU_RM_R;
                bytes(d, i, b);
            }
            case 2, 3 -> {
                d.modrm(i);
                i.op = Op.ALU_R_RM;
                bytes(d, i, b);
            }
            case 4 -> {
                i.op = Op.ALU_RM_I;
                i.osz = 1;
                i.rm = 0;
                i.imm = d.imm8();
            }
            default -> {
                i.op = Op.ALU_RM_I;
                i.rm = 0;
                i.imm = d.immZ(i.osz);
            }
        }
        i.sub = sub;
    }

    private static void group5(Decoder d, Insn i) {
        d.modrm(i);
        switch (i.sub) {
            case 0 -> i.op = Op.INC;
            case 1 -> i.op = Op.DEC;
            case 2 -> {
                branchSize(d, i);
                i.op = Op.CALL_RM;
                i.endsBlock = true;
            }
            case 3 -> farMem(d, i, Op.CALL_FAR_MEM);
            case 4 -> {
                branchSize(d, i);
                i.op = Op.JMP_RM;
                i.endsBlock = true;
            }
            case 5 -> farMem(d, i, Op.JMP_FAR_MEM);
            case 6 -> {
                d.stackOperand(i);
                i.op = Op.PUSH_RM;
            }
            default -> d.markUd(i);
        }
    }

    private static void farMem(Decoder d, Insn i, int op) {
        if (!i.mem) {
            d.markUd(i);
            return;
        }
        i.op = op;
        i.endsBlock = true;
    }

    private static void bytes(Decoder d, Insn i, int b) {
        if ((b & 1) == 0) {
            i.osz = 1;
            d.byteReg(i);
            d.byteRm(i);
        }
    }

    private static void string(Decoder d, Insn i, int b, int kind) {
        i.op = Op.STRING;
        i.sub = kind;
        if ((b & 1) == 0) {
            i.osz = 1;
        } else if ((kind == 5 || kind == 6) && i.osz == 8) {
            i.osz = 4;
        }
        if (i.rep != 0) {
            // A REP string instruction may run long: keep it alone so events are checked between chunks.
            i.endsBlock = true;
        }
    }

    private static void simple(Decoder d, Insn i, int op, boolean invalidIn64) {
        if (invalidIn64 && d.mode == 8) {
            d.markUd(i);
        } else {
            i.op = op;
        }
    }

    private static void branch(Insn i, int op) {
        i.op = op;
        i.endsBlock = true;
    }

    /** Near branches use 64-bit operands in 64-bit mode whatever the prefix (as Intel CPUs do). */
    static void branchSize(Decoder d, Insn i) {
        if (d.mode == 8) {
            i.osz = 8;
        }
    }
}
