package vmm.x86.emu.internal.decode;

import vmm.x86.emu.internal.cpu.Cpu;

/**
 * Turns instruction bytes into {@link Insn}s: legacy prefixes, REX, the one-, two- and
 * three-byte maps, ModRM/SIB/displacement/immediates, RIP-relative addressing and the 16/32/64
 * bit address and operand sizes. Knows nothing about execution; {@link OneByteMap} and
 * {@link TwoByteMap} say what each opcode is.
 */
public final class Decoder {
    /** Thrown when the bytes run out before the instruction ends (it continues on the next page). */
    public static final RuntimeException TRUNCATED = new RuntimeException("instruction continues past the buffer",
            null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    byte[] buf;
    int pos;
    int start;
    int limit;
    int mode;
    boolean opsizePrefix;
    boolean adsizePrefix;
    int rex;
    int seg;
    boolean segOverride;
    int rep;
    boolean lock;
    /** Last mandatory-style prefix among 66/F2/F3 for SIMD decoding. */
    int simdPrefix;
    int modrm;

    /**
     * Decodes one instruction at {@code buf[start]} in a code segment of {@code mode} bytes (2, 4
     * or 8) into {@code i}.
     *
     * @throws RuntimeException {@link #TRUNCATED} when it runs past {@code limit}
     */
    public void decode(byte[] buf, int start, int limit, int mode, Insn i) {
        this.buf = buf;
        this.start = start;
        this.pos = start;
        this.limit = limit;
        this.mode = mode;
        opsizePrefix = false;
        adsizePrefix = false;
        rex = 0;
        seg = -1;
        segOverride = false;
        rep = 0;
        lock = false;
        simdPrefix = 0;
        modrm = -1;
        i.base = -1;
        i.index = -1;
        i.scale = 0;
        i.disp = 0;
        i.ripRel = false;
        i.mem = false;
        i.imm = 0;
        i.imm2 = 0;
        i.sub = 0;
        i.cc = 0;
        i.reg = 0;
        i.rm = 0;
        i.endsBlock = false;
        i.simd = null;
        i.bytes = null;
        int b;
        prefixes:
        while (true) {
            b = next();
            switch (b) {
                case 0x66 -> {
                    opsizePrefix = true;
                    if (simdPrefix == 0) {
                        simdPrefix = 0x66;
                    }
                }
                case 0x67 -> adsizePrefix = true;
                case 0x26 -> setSeg(Cpu.ES);
                case 0x2e -> setSeg(Cpu.CS);
                case 0x36 -> setSeg(Cpu.SS);
                case 0x3e -> setSeg(Cpu.DS);
                case 0x64 -> setSeg(Cpu.FS);
                case 0x65 -> setSeg(Cpu.GS);
                case 0xf0 -> lock = true;
                case 0xf2, 0xf3 -> {
                    rep = b;
                    simdPrefix = b;
                }
                default -> {
                    if (mode == 8 && (b & 0xf0) == 0x40) {
                        rex = b;
                        b = next();
                        if (isLegacyPrefix(b)) {
                            // A REX not directly before the opcode is ignored.
                            rex = 0;
                            pos--;
                            continue prefixes;
                        }
                    }
                    break prefixes;
                }
            }
        }
        if (mode == 8) {
            i.osz = (rex & 8) != 0 ? 8 : opsizePrefix ? 2 : 4;
            i.asz = adsizePrefix ? 4 : 8;
        } else if (mode == 4) {
            i.osz = opsizePrefix ? 2 : 4;
            i.asz = adsizePrefix ? 2 : 4;
        } else {
            i.osz = opsizePrefix ? 4 : 2;
            i.asz = adsizePrefix ? 4 : 2;
        }
        i.rep = rep;
        i.lock = lock;
        i.seg = seg < 0 ? Cpu.DS : seg;
        i.segOverride = seg >= 0;
        i.op = -1;
        if (b == 0x0f) {
            TwoByteMap.decode(this, i, next());
        } else {
            OneByteMap.decode(this, i, b);
        }
        i.len = pos - start;
        if (i.len > 15) {
            i.op = Op.TOO_LONG;
        }
        if (i.lock && !lockAllowed(i)) {
            markUd(i);
        }
        if (i.op == Op.UD && i.bytes == null) {
            i.bytes = java.util.Arrays.copyOfRange(buf, start, Math.min(pos, limit));
        }
    }

    private static boolean lockAllowed(Insn i) {
        if (!i.mem) {
            return false;
        }
        return switch (i.op) {
            case Op.ALU_RM_I, Op.ALU_RM_R -> i.sub != 7;
            case Op.INC, Op.DEC, Op.NOT, Op.NEG, Op.XCHG, Op.CMPXCHG, Op.CMPXCHG8B, Op.XADD -> true;
            case Op.BT_R, Op.BT_I -> i.sub != 4;
            default -> false;
        };
    }

    private static boolean isLegacyPrefix(int b) {
        return b == 0x66 || b == 0x67 || b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65
                || b == 0xf0 || b == 0xf2 || b == 0xf3;
    }

    private void setSeg(int s) {
        seg = s;
    }

    int next() {
        if (pos >= limit) {
            throw TRUNCATED;
        }
        return buf[pos++] & 0xff;
    }

    long imm8() {
        return (byte) next();
    }

    long imm16() {
        int lo = next();
        return (short) (lo | next() << 8);
    }

    long imm32() {
        int v = next();
        v |= next() << 8;
        v |= next() << 16;
        v |= next() << 24;
        return v;
    }

    long imm64() {
        long lo = imm32() & 0xffffffffL;
        return lo | (imm32() << 32);
    }

    /** An immediate of the operand size, at most 32 bits and sign-extended (Iz). */
    long immZ(int osz) {
        return osz == 2 ? imm16() : osz == 1 ? imm8() : imm32();
    }

    boolean rexW() {
        return (rex & 8) != 0;
    }

    void markUd(Insn i) {
        i.op = Op.UD;
        i.sub = 0;
    }

    /** Reads ModRM (and SIB, displacement) into {@code i}. */
    void modrm(Insn i) {
        int m = next();
        modrm = m;
        int mod = m >> 6;
        int regf = (m >> 3) & 7;
        int rmf = m & 7;
        i.sub = regf;
        i.reg = regf | ((rex & 4) << 1);
        if (mod == 3) {
            i.mem = false;
            i.rm = rmf | ((rex & 1) << 3);
            return;
        }
        i.mem = true;
        int defSeg = Cpu.DS;
        if (i.asz == 2) {
            switch (rmf) {
                case 0 -> {
                    i.base = 3;
                    i.index = 6;
                }
                case 1 -> {
                    i.base = 3;
                    i.index = 7;
                }
                case 2 -> {
                    i.base = 5;
                    i.index = 6;
                    defSeg = Cpu.SS;
                }
                case 3 -> {
                    i.base = 5;
                    i.index = 7;
                    defSeg = Cpu.SS;
                }
                case 4 -> i.base = 6;
                case 5 -> i.base = 7;
                case 6 -> {
                    if (mod == 0) {
                        i.disp = imm16() & 0xffff;
                    } else {
                        i.base = 5;
                        defSeg = Cpu.SS;
                    }
                }
                default -> i.base = 3;
            }
            if (mod == 1) {
                i.disp = imm8();
            } else if (mod == 2) {
                i.disp = imm16();
            }
        } else {
            if (rmf == 4) {
                int sib = next();
                i.scale = sib >> 6;
                int idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
                i.index = idx == 4 ? -1 : idx;
                int b = sib & 7;
                if (b == 5 && mod == 0) {
                    i.base = -1;
                    i.disp = imm32();
                } else {
                    i.base = b | ((rex & 1) << 3);
                    if (b == 4 || b == 5) {
                        defSeg = Cpu.SS;
                    }
                }
            } else if (rmf == 5 && mod == 0) {
                i.disp = imm32();
                i.ripRel = mode == 8;
            } else {
                i.base = rmf | ((rex & 1) << 3);
                if (rmf == 5) {
                    defSeg = Cpu.SS;
                }
            }
            if (mod == 1) {
                i.disp = imm8();
            } else if (mod == 2) {
                i.disp = imm32();
            }
        }
        if (seg < 0) {
            i.seg = defSeg;
        }
    }

    /** Without REX, byte registers 4-7 are AH, CH, DH, BH (16-19 in {@link Insn}). */
    void byteReg(Insn i) {
        if (rex == 0 && i.reg >= 4 && i.reg < 8) {
            i.reg += 12;
        }
    }

    void byteRm(Insn i) {
        if (rex == 0 && !i.mem && i.rm >= 4 && i.rm < 8) {
            i.rm += 12;
        }
    }

    /** A register operand encoded in the low opcode bits (PUSH r, MOV r, imm, BSWAP). */
    int opReg(int b) {
        return (b & 7) | ((rex & 1) << 3);
    }

    /** Near branches, PUSH and POP default to 64-bit operands in 64-bit mode. */
    void stackOperand(Insn i) {
        if (mode == 8) {
            i.osz = opsizePrefix ? 2 : 8;
        }
    }
}
