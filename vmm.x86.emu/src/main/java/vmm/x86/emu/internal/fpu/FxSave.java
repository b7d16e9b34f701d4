package vmm.x86.emu.internal.fpu;

/**
 * 0F AE /0-/3 with a memory operand: FXSAVE, FXRSTOR (legacy layout, or the 64-bit one with
 * REX.W), LDMXCSR and STMXCSR.
 */
final class FxSave {

    private FxSave() {
    }

    static void exec(Simd c) {
        SimdInsn in = c.insn;
        int sub = (in.modrm() >> 3) & 7;
        if (!in.memory() || in.prefix() != 0) {
            throw c.ud();
        }
        switch (sub) {
            case 0 -> fxsave(c);
            case 1 -> fxrstor(c);
            case 2 -> {
                c.checkSse();
                int v = (int) c.host.load(0, 4);
                if ((v & ~SimdState.MXCSR_MASK) != 0) {
                    throw c.host.fault(13);
                }
                c.s.mxcsr = v;
            }
            case 3 -> {
                c.checkSse();
                c.host.store(0, 4, c.s.mxcsr & 0xffffffffL);
            }
            default -> throw c.ud();
        }
    }

    private static void checkNm(Simd c) {
        if ((c.host.cr0() & (Simd.CR0_EM | Simd.CR0_TS)) != 0) {
            throw c.host.fault(7);
        }
    }

    /** The bytes FXSAVE writes: through XMM7, or XMM15 in 64-bit mode (the rest is reserved). */
    private static int savedLength(Simd c) {
        return c.host.codeSize() == 64 ? 416 : 288;
    }

    static void fxsave(Simd c) {
        checkNm(c);
        boolean rex64 = c.insn.rexW() && c.host.codeSize() == 64;
        int len = savedLength(c);
        c.host.probeWrite(len, 16);
        byte[] img = c.s.fxsave(rex64);
        for (int off = 0; off < len; off += 8) {
            c.host.store(off, 8, SimdState.get(img, off, 8));
        }
    }

    static void fxrstor(Simd c) {
        checkNm(c);
        c.host.checkAlignment(16);
        boolean rex64 = c.insn.rexW() && c.host.codeSize() == 64;
        int len = savedLength(c);
        byte[] img = c.s.fxsave(rex64);
        for (int off = 0; off < len; off += 8) {
            SimdState.put(img, off, 8, c.host.load(off, 8));
        }
        int mx = (int) SimdState.get(img, 24, 4);
        if ((mx & ~SimdState.MXCSR_MASK) != 0) {
            throw c.host.fault(13);
        }
        c.s.fxrstor(img, rex64);
    }
}
