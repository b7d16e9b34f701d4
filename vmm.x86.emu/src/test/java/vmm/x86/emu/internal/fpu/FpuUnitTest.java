package vmm.x86.emu.internal.fpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.FpuState;

/** The architectural checks around execution: #NM, #UD, #MF, #XM, alignment, state. */
class FpuUnitTest {

    private static SimdInsn sse(int prefix, int opcode, int reg, int rm, boolean memory) {
        int modrm = memory ? (reg & 7) << 3 | 6 : 0xc0 | (reg & 7) << 3 | (rm & 7);
        return new SimdInsn(0x0f, opcode, prefix, modrm, reg, rm, memory, false, 4, 0);
    }

    private static SimdInsn x87(int opcode, int modrm) {
        return new SimdInsn(0, opcode, 0, modrm, (modrm >> 3) & 7, modrm & 7, modrm < 0xc0, false, 4, 0);
    }

    private static int fault(FpuUnit u, SimdInsn insn, FakeHost h) {
        return assertThrows(FakeHost.Fault.class, () -> u.execute(insn, h)).vector;
    }

    @Test
    void resetStateIsThePowerOnState() {
        byte[] img = new FpuUnit().save().fxsave();
        assertEquals(0x037f, SimdState.get(img, 0, 2));
        assertEquals(0, SimdState.get(img, 2, 2));
        assertEquals(0, SimdState.get(img, 4, 1));
        assertEquals(0x1f80, SimdState.get(img, 24, 4));
        assertEquals(0xffff, SimdState.get(img, 28, 4));
    }

    @Test
    void saveRestoreRoundTrips() {
        FpuUnit u = new FpuUnit();
        FakeHost h = new FakeHost();
        SimdState.put(h.mem, 0, 8, Double.doubleToRawLongBits(Math.PI));
        u.execute(x87(0xdd, 0x06), h); // fld qword [mem]
        u.execute(sse(0x66, 0x6f, 3, 0, true), h); // movdqa xmm3, [mem]
        byte[] img = u.save().fxsave();
        FpuUnit v = new FpuUnit();
        v.restore(new FpuState(img));
        assertArrayEquals(img, v.save().fxsave());
        assertEquals(0x80, SimdState.get(img, 4, 1), "ST0 in R7 is valid");
    }

    @Test
    void sseNeedsOsfxsrAndNoEmulation() {
        FpuUnit u = new FpuUnit();
        FakeHost h = new FakeHost();
        h.cr4 = 0;
        assertEquals(6, fault(u, sse(0, 0x58, 0, 1, false), h));
        h.cr4 = 0x600;
        h.cr0 |= Simd.CR0_EM;
        assertEquals(6, fault(u, sse(0, 0x58, 0, 1, false), h));
        assertEquals(7, fault(u, x87(0xd9, 0xe8), h), "x87 with CR0.EM is #NM");
        assertEquals(6, fault(u, sse(0, 0xfc, 0, 1, false), h), "MMX with CR0.EM is #UD");
    }

    @Test
    void taskSwitchedRaisesNm() {
        FpuUnit u = new FpuUnit();
        FakeHost h = new FakeHost();
        h.cr0 |= Simd.CR0_TS;
        assertEquals(7, fault(u, sse(0x66, 0xef, 0, 1, false), h));
        assertEquals(7, fault(u, sse(0, 0xef, 0, 1, false), h));
        assertEquals(7, fault(u, x87(0xd9, 0xe8), h));
        assertEquals(7, fault(u, new SimdInsn(0x0f, 0xae, 0, 0x06, 0, 0, true, false, 4, 0), h), "FXSAVE");
        // FWAIT: #NM only with both TS and MP
        h.cr0 &= ~Simd.CR0_MP;
        u.execute(new SimdInsn(0, 0x9b, 0, -1, 0, 0, false, false, 4, 0), h);
        h.cr0 |= Simd.CR0_MP;
        assertEquals(7, fault(u, new SimdInsn(0, 0x9b, 0, -1, 0, 0, false, false, 4, 0), h));
    }

    @Test
    void unmaskedX87ExceptionIsDeliveredOnTheNextWaitingInstruction() {
        FpuUnit u = new FpuUnit();
        FakeHost h = new FakeHost();
        SimdState.put(h.mem, 0, 2, 0x037b); // ZE unmasked
        u.execute(x87(0xd9, 0x2e), h); // fldcw
        u.execute(x87(0xd9, 0xe8), h); // fld1
        u.execute(x87(0xd9, 0xee), h); // fldz
        u.execute(x87(0xde, 0xf9), h); // fdivp: 1/0, the fault is pending
        byte[] img = u.save().fxsave();
        assertEquals(0x8084, SimdState.get(img, 2, 2) & 0x80ff, "ZE, ES and B set");
        assertEquals(16, fault(u, new SimdInsn(0, 0x9b, 0, -1, 0, 0, false, false, 4, 0), h), "FWAIT");
        assertEquals(16, fault(u, x87(0xd9, 0xe8), h), "FLD1");
        assertEquals(16, fault(u, sse(0, 0xef, 0, 1, false), h), "an MMX instruction");
        u.execute(x87(0xdf, 0xe0), h); // fnstsw ax: no-wait form
        assertEquals(0x8084, h.gpr[0] & 0x80ff);
        u.execute(x87(0xdb, 0xe2), h); // fnclex
        u.execute(new SimdInsn(0, 0x9b, 0, -1, 0, 0, false, false, 4, 0), h);
    }

    @Test
    void unmaskedSseExceptionIsXmOrUdWithoutOsxmmexcpt() {
        FpuUnit u = new FpuUnit();
        FakeHost h = new FakeHost();
        SimdState.put(h.mem, 0, 4, 0x1f80 & ~0x200); // ZM unmasked
        u.execute(new SimdInsn(0x0f, 0xae, 0, 0x16, 2, 0, true, false, 4, 0), h); // ldmxcsr
        SimdState.put(h.mem, 0, 8, Double.doubleToRawLongBits(1.0));
        u.execute(sse(0xf2, 0x10, 0, 0, true), h); // movsd xmm0, [mem] = 1.0
        assertEquals(19, fault(u, sse(0xf2, 0x5e, 0, 1, false), h)); // divsd xmm0, xmm1 (0.0)
        byte[] img = u.save().fxsave();
        assertEquals(Double.doubleToRawLongBits(1.0), SimdState.get(img, 160, 8), "destination unchanged");
        assertEquals(0x1d84, SimdState.get(img, 24, 4));
        h.cr4 = 0x200;
        assertEquals(6, fault(u, sse(0xf2, 0x5e, 0, 1, false), h));
    }

    @Test
    void ldmxcsrRefusesReservedBits() {
        FpuUnit u = new FpuUnit();
        FakeHost h = new FakeHost();
        SimdState.put(h.mem, 0, 4, 0x10000);
        assertEquals(13, fault(u, new SimdInsn(0x0f, 0xae, 0, 0x16, 2, 0, true, false, 4, 0), h));
    }

    @Test
    void alignedFormsCheckAlignmentUnalignedDoNot() {
        FpuUnit u = new FpuUnit();
        int[] checked = new int[1];
        FakeHost h = new FakeHost() {
            @Override
            public void checkAlignment(int alignment) {
                checked[0] = alignment;
                throw new Fault(13);
            }
        };
        assertEquals(13, fault(u, sse(0, 0x28, 0, 0, true), h)); // movaps
        assertEquals(16, checked[0]);
        assertEquals(13, fault(u, sse(0x66, 0xfe, 0, 0, true), h)); // paddd xmm, m128
        checked[0] = 0;
        u.execute(sse(0, 0x10, 0, 0, true), h); // movups
        u.execute(sse(0xf3, 0x6f, 0, 0, true), h); // movdqu
        u.execute(sse(0xf3, 0x58, 0, 0, true), h); // addss m32
        assertEquals(0, checked[0]);
    }

    @Test
    void unimplementedOpcodesAreUd() {
        FpuUnit u = new FpuUnit();
        FakeHost h = new FakeHost();
        assertEquals(6, fault(u, new SimdInsn(0x0f38, 0x37, 0x66, 0xc1, 0, 1, false, false, 4, 0), h)); // pcmpgtq (SSE4.2)
        assertEquals(6, fault(u, new SimdInsn(0x0f38, 0x10, 0, 0xc1, 0, 1, false, false, 4, 0), h)); // pblendvb needs 66
        assertEquals(6, fault(u, sse(0, 0x78, 0, 1, false), h));
        assertEquals(6, fault(u, x87(0xd9, 0xd1), h)); // D9 D1 is undefined
        assertEquals(6, fault(u, sse(0, 0x13, 0, 1, false), h), "MOVLPS store needs memory");
    }

    @Test
    void mmxAliasesTheX87Registers() {
        FpuUnit u = new FpuUnit();
        FakeHost h = new FakeHost();
        h.gpr[0] = 0x1122334455667788L;
        u.execute(new SimdInsn(0x0f, 0x6e, 0, 0xc0 | 3 << 3, 3, 0, false, true, 8, 0), h); // movq mm3, rax
        byte[] img = u.save().fxsave();
        assertEquals(0xff, SimdState.get(img, 4, 1), "all tags valid");
        assertEquals(0, SimdState.get(img, 2, 2) >> 11 & 7, "TOP 0");
        assertEquals(0x1122334455667788L, SimdState.get(img, 32 + 3 * 16, 8));
        assertEquals(0xffff, SimdState.get(img, 40 + 3 * 16, 2), "exponent all ones");
        u.execute(new SimdInsn(0x0f, 0x77, 0, -1, 0, 0, false, false, 4, 0), h); // emms
        assertEquals(0, SimdState.get(u.save().fxsave(), 4, 1));
    }

    @Test
    void cpuidAdvertisesWhatIsImplemented() {
        assertEquals(1 | 1 << 23 | 1 << 24 | 1 << 25 | 1 << 26, FpuUnit.CPUID1_EDX);
        assertEquals(1 | 1 << 9 | 1 << 19, FpuUnit.CPUID1_ECX);
        assertTrue(FpuUnit.ownsTwoByte(0x58, 0xc1));
        assertTrue(!FpuUnit.ownsTwoByte(0xae, 0xf8), "fences are the core's");
    }
}
