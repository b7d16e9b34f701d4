package vmm.x86.emu.internal.fpu;

import java.io.ByteArrayOutputStream;
import java.util.random.RandomGenerator;

/**
 * An instruction form to test: prefix, map, opcode, the ModRM reg field when it is an opcode
 * extension (else -1: a random register), which operand forms exist, and which operands are
 * general registers.
 */
record Spec(String name, int prefix, int map, int opcode, int regField, int forms, int kind, boolean rexW,
            boolean gprRm, boolean gprReg, int fixedRm, int check) {

    static final int REG = 1;
    static final int MEM = 2;
    static final int BOTH = 3;

    static final int XMM = 0;
    static final int MMX = 1;
    static final int X87 = 2;

    /** Compare exactly. */
    static final int EXACT = 0;
    /** RCPxx/RSQRTxx: the destination lanes within 1.5*2^-12 relative error. */
    static final int APPROX_RCP = 1;
    /** x87 transcendentals: ST0/ST1 within 2^-48 relative error, PE/C1 ignored. */
    static final int APPROX_X87 = 2;
    /** FNSTENV: the instruction/operand pointer fields of the image are not compared. */
    static final int ENV = 3;
    /** FXSAVE: 512 bytes of memory; FOP/FIP/FDP and the reserved tail are not compared. */
    static final int FXSAVE = 4;
    /** The 16-bit FNSTENV/FNSAVE layout: its pointer fields (bytes 6-13) are not compared. */
    static final int ENV16 = 5;

    /** The memory operand's size: 512 for FXSAVE/FXRSTOR/FNSAVE/FRSTOR, else 64. */
    int memSize() {
        return check == FXSAVE || (map == 0x0f && opcode == 0xae) || (map == 0 && opcode == 0xdd
                && (regField == 4 || regField == 6)) ? 512 : 64;
    }

    private static final int[] GPRS = {0, 1, 2, 3, 8, 9, 10, 11};

    static Spec sse(String name, int prefix, int opcode, int forms) {
        return new Spec(name, prefix, 0x0f, opcode, -1, forms, XMM, false, false, false, -1, EXACT);
    }

    static Spec mmx(String name, int opcode, int forms) {
        return new Spec(name, 0, 0x0f, opcode, -1, forms, MMX, false, false, false, -1, EXACT);
    }

    static Spec x87(String name, int opcode, int reg, int forms) {
        return new Spec(name, 0, 0, opcode, reg, forms, X87, false, false, false, -1, EXACT);
    }

    /** The same x87 form with a 66 prefix: 16-bit environment layouts. */
    Spec o16() {
        return new Spec(name + ".o16", 0x66, map, opcode, regField, forms, kind, rexW, gprRm, gprReg, fixedRm, check);
    }

    Spec w() {
        return new Spec(name + ".w", prefix, map, opcode, regField, forms, kind, true, gprRm, gprReg, fixedRm, check);
    }

    Spec withGprRm() {
        return new Spec(name, prefix, map, opcode, regField, forms, kind, rexW, true, gprReg, fixedRm, check);
    }

    Spec withGprReg() {
        return new Spec(name, prefix, map, opcode, regField, forms, kind, rexW, gprRm, true, fixedRm, check);
    }

    Spec rm(int fixed) {
        return new Spec(name, prefix, map, opcode, regField, forms, kind, rexW, gprRm, gprReg, fixed, check);
    }

    Spec check(int how) {
        return new Spec(name, prefix, map, opcode, regField, forms, kind, rexW, gprRm, gprReg, fixedRm, how);
    }

    /** Encodes one instance with random registers; returns the bytes and the decoded form. */
    DiffCase instance(RandomGenerator rnd, byte[] fx, long[] gpr, byte[] mem, long rflags, int imm) {
        boolean memory = forms == MEM || (forms == BOTH && rnd.nextInt(3) == 0);
        int limit = kind == XMM ? 16 : 8;
        int reg = regField >= 0 ? regField : gprReg ? GPRS[rnd.nextInt(GPRS.length)] : rnd.nextInt(limit);
        int rm = fixedRm >= 0 ? fixedRm : gprRm ? GPRS[rnd.nextInt(GPRS.length)] : rnd.nextInt(limit);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (prefix != 0) {
            b.write(prefix);
        }
        int rex = (rexW ? 8 : 0) | (reg > 7 ? 4 : 0) | (!memory && rm > 7 ? 1 : 0);
        if (rex != 0) {
            b.write(0x40 | rex);
        }
        if (map != 0) {
            b.write(0x0f);
        }
        if (map == 0x0f38 || map == 0x0f3a) {
            b.write(map & 0xff);
        }
        b.write(opcode);
        if (map == 0x0f && opcode == 0x77) {
            return new DiffCase(this, b.toByteArray(), new SimdInsn(map, opcode, prefix, -1, 0, 0, false, false, 4, 0),
                    fx, gpr, mem, rflags);
        }
        int modrm = memory ? ((reg & 7) << 3) | 6 : 0xc0 | ((reg & 7) << 3) | (rm & 7);
        b.write(modrm);
        boolean hasImm = FpuUnit.hasImm8(map, opcode);
        if (hasImm) {
            b.write(imm);
        }
        int opSize = rexW ? 8 : kind == X87 && prefix == 0x66 ? 2 : 4;
        SimdInsn insn = new SimdInsn(map, opcode, prefix, modrm, reg, memory ? 0 : rm, memory, rexW, opSize,
                hasImm ? imm : 0);
        return new DiffCase(this, b.toByteArray(), insn, fx, gpr, mem, rflags);
    }
}
