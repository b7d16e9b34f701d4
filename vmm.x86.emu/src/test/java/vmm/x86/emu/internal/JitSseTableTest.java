package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every inline SSE form of translated code on every pair of operands from tables that hold what each
 * fast path must hand to its handler (denormals, NaNs, infinities, products and quotients that
 * overflow or underflow, division by zero, conversions out of range) next to ordinary values, under
 * MXCSR settings the fast paths must not take (PE clear, other rounding, FTZ, DAZ, unmasked
 * exceptions raising #XM) and the one they take; CR0.TS, CR0.EM and CR4.OSFXSR change between SSE
 * instructions, whose faults (#NM, #UD) must come exactly where the interpreter raises them. Checked
 * against the interpreter: registers, RFLAGS, MXCSR after each operation (folded into a register),
 * the XMM registers and memory.
 */
class JitSseTableTest {
    private static final long[] DOUBLES = {
        0, 0x8000000000000000L, 0x3ff0000000000000L, 0xbff8000000000000L, 0x4008000000000000L,
        0x3f50624dd2f1a9fcL, 0x3fb999999999999aL, Double.doubleToRawLongBits(1e300), Double.doubleToRawLongBits(-1e300),
        Double.doubleToRawLongBits(1e-300), 0x0010000000000000L, 0x0018000000000000L, 0x0000000000000001L,
        0x000fffffffffffffL, 0x7ff0000000000000L, 0xfff0000000000000L, 0x7ff8000000000000L, 0x7ff0000000000001L,
        0xfff8000000001234L, 0x7fefffffffffffffL, 0x43e0000000000000L, 0xc3e0000000000000L, 0x41e0000000000000L,
        0xc1e0000000100000L, 0xc1e0000000200000L, 0x41dfffffffe00000L, 0x3fe0000000000000L, 0x4004000000000000L,
        0xc004000000000000L, 0x3ff0000000000001L, Double.doubleToRawLongBits(0x1p-1000),
        Double.doubleToRawLongBits(0x1p1000),
    };

    private static final int[] FLOATS = {
        0, 0x80000000, 0x3f800000, 0xbfc00000, 0x40400000, 0x3dcccccd, Float.floatToRawIntBits(1e30f),
        Float.floatToRawIntBits(-1e30f), Float.floatToRawIntBits(1e-30f), 0x00800000, 0x00c00000, 0x00000001,
        0x007fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0x7f7fffff, 0x5f000000, 0xdf000000,
        0x4f000000, 0xcf000000, 0x3f000000, 0x40200000, 0xc0200000, 0x4b800001, 0x3f800001, 0x0d800000,
        0x71800000, 0x3a83126f, 0x40e00000, 0xcf000001,
    };

    private static final String FOLD = "rol r8, 7\n xor r8, rax\n stmxcsr [rdi+56]\n mov esi, [rdi+56]\n"
            + " rol r9, 5\n xor r9, rsi\n";

    /**
     * Every inline form on every pair of operands of the tables, under the MXCSR {@code mxcsr};
     * CR0.TS, CR0.EM and CR4.OSFXSR change now and then just before a register-to-register form,
     * and the #NM, #UD and #XM handlers count, add up the faulting RIPs, repair and return.
     */
    private static String tableProgram(int mxcsr) {
        return """
                    mov edi, 0x200000
                    mov dword ptr [rdi+60], MXCSR
                    ldmxcsr [rdi+60]
                    xor r12d, r12d
                1:  xor r13d, r13d
                2:  movsd xmm0, [rdi+0x1000+r12*8]
                    movsd xmm1, [rdi+0x1000+r13*8]
                    movss xmm8, [rdi+0x2000+r12*4]
                    movss xmm9, [rdi+0x2000+r13*4]
                    mov eax, r12d
                    shl eax, 5
                    add eax, r13d
                    mov ebx, eax
                    and ebx, 15
                    cmp ebx, 5
                    jne 3f
                    mov rax, cr0
                    or rax, 8
                    mov cr0, rax
                3:  cmp ebx, 11
                    jne 3f
                    mov rax, cr0
                    or rax, 4
                    mov cr0, rax
                3:  cmp ebx, 14
                    jne 3f
                    mov rax, cr4
                    and rax, ~0x200
                    mov cr4, rax
                3:  movapd xmm2, xmm0
                    addsd xmm2, xmm1
                    movq rax, xmm2
                    FOLD
                    {store} movaps xmm3, xmm0
                    subsd xmm3, xmm1
                    movq rax, xmm3
                    FOLD
                    movdqa xmm4, xmm0
                    mulsd xmm4, xmm1
                    movq rax, xmm4
                    FOLD
                    {store} movdqu xmm5, xmm0
                    divsd xmm5, xmm1
                    movq rax, xmm5
                    FOLD
                    sqrtsd xmm6, xmm1
                    movq rax, xmm6
                    FOLD
                    cvttsd2si rax, xmm1
                    FOLD
                    cvttsd2si eax, xmm0
                    FOLD
                    cvtsd2si rax, xmm0
                    FOLD
                    cvtsd2si ecx, xmm1
                    mov eax, ecx
                    FOLD
                    cmp r12, r13
                    comisd xmm0, xmm1
                    pushfq
                    pop rax
                    FOLD
                    ucomisd xmm1, xmm0
                    seta al
                    setp ah
                    sete cl
                    setb ch
                    jp 4f
                    inc r15
                4:  shl ecx, 16
                    or eax, ecx
                    FOLD
                    movss xmm10, xmm8
                    addss xmm10, xmm9
                    movd eax, xmm10
                    FOLD
                    movaps xmm11, xmm8
                    subss xmm11, xmm9
                    movd eax, xmm11
                    FOLD
                    movups xmm12, xmm8
                    mulss xmm12, xmm9
                    movq rax, xmm12
                    FOLD
                    movupd xmm13, xmm8
                    divss xmm13, xmm9
                    movq rax, xmm13
                    FOLD
                    sqrtss xmm14, xmm9
                    movq rax, xmm14
                    FOLD
                    cvttss2si rax, xmm8
                    FOLD
                    cvttss2si eax, xmm9
                    FOLD
                    cvtss2si rax, xmm9
                    FOLD
                    cvtss2si eax, xmm8
                    FOLD
                    comiss xmm8, xmm9
                    pushfq
                    pop rax
                    FOLD
                    ucomiss xmm9, xmm8
                    jb 4f
                    inc rbp
                4:  pushfq
                    pop rax
                    FOLD
                    movq rax, xmm1
                    cvtsi2sd xmm2, rax
                    cvtsi2sd xmm3, eax
                    cvtsi2ss xmm4, rax
                    cvtsi2ss xmm5, eax
                    movq rax, xmm2
                    FOLD
                    movq rax, xmm3
                    FOLD
                    movq rax, xmm4
                    FOLD
                    movq rax, xmm5
                    FOLD
                    movapd xmm6, xmm0
                    andpd xmm6, xmm1
                    movq rax, xmm6
                    FOLD
                    andnpd xmm6, xmm0
                    orpd xmm6, xmm1
                    xorps xmm6, xmm0
                    pand xmm6, xmm1
                    pandn xmm6, xmm0
                    por xmm6, xmm1
                    pxor xmm6, xmm0
                    andps xmm6, xmm9
                    orps xmm6, xmm8
                    xorpd xmm6, xmm1
                    andnps xmm6, xmm12
                    movq rax, xmm6
                    FOLD
                    pxor xmm7, xmm7
                    movsd xmm7, xmm1
                    {store} movsd xmm15, xmm0
                    movq xmm14, xmm1
                    {store} movq xmm13, xmm0
                    {store} movss xmm12, xmm8
                    movd xmm11, eax
                    movq xmm10, r8
                    movd ecx, xmm7
                    movq rdx, xmm15
                    add rcx, rdx
                    mov rax, rcx
                    FOLD
                    movsd xmm2, [rdi+0x1000+r12*8]
                    addsd xmm2, [rdi+0x1000+r13*8]
                    movq rax, xmm2
                    FOLD
                    mulsd xmm2, [rdi+0x1000+r13*8]
                    movq rax, xmm2
                    FOLD
                    subsd xmm2, [rdi+0x1000+r13*8]
                    divsd xmm2, [rdi+0x1000+r13*8]
                    movq rax, xmm2
                    FOLD
                    sqrtsd xmm3, [rdi+0x1000+r13*8]
                    movq rax, xmm3
                    FOLD
                    movss xmm10, [rdi+0x2000+r12*4]
                    addss xmm10, [rdi+0x2000+r13*4]
                    mulss xmm10, [rdi+0x2000+r13*4]
                    movq rax, xmm10
                    FOLD
                    subss xmm10, [rdi+0x2000+r13*4]
                    divss xmm10, [rdi+0x2000+r13*4]
                    sqrtss xmm11, [rdi+0x2000+r13*4]
                    movq rax, xmm10
                    FOLD
                    movq rax, xmm11
                    FOLD
                    cvttsd2si rax, qword ptr [rdi+0x1000+r13*8]
                    FOLD
                    cvtsd2si eax, qword ptr [rdi+0x1000+r13*8]
                    FOLD
                    cvttss2si rax, dword ptr [rdi+0x2000+r13*4]
                    FOLD
                    cvtss2si eax, dword ptr [rdi+0x2000+r13*4]
                    FOLD
                    cvtsi2sd xmm4, qword ptr [rdi+0x1000+r13*8]
                    cvtsi2sd xmm5, dword ptr [rdi+0x2000+r13*4]
                    cvtsi2ss xmm6, qword ptr [rdi+0x1000+r13*8]
                    cvtsi2ss xmm7, dword ptr [rdi+0x2000+r13*4]
                    movq rax, xmm4
                    FOLD
                    movq rax, xmm5
                    FOLD
                    movq rax, xmm6
                    FOLD
                    movq rax, xmm7
                    FOLD
                    comisd xmm0, [rdi+0x1000+r13*8]
                    pushfq
                    pop rax
                    FOLD
                    ucomiss xmm8, [rdi+0x2000+r13*4]
                    pushfq
                    pop rax
                    FOLD
                    movq xmm6, [rdi+0x1000+r13*8]
                    movd xmm7, [rdi+0x2000+r13*4]
                    movups xmm12, [rdi+0x1000+r13*8]
                    movdqu xmm13, [rdi+0x1004+r13*8]
                    mov rbx, r13
                    shl rbx, 4
                    mov rdx, r12
                    shl rdx, 4
                    movapd xmm14, [rdi+0x3000+rbx]
                    andpd xmm14, [rdi+0x3000+rdx]
                    orps xmm13, [rdi+0x3000+rdx]
                    pxor xmm12, [rdi+0x3000+rdx]
                    pandn xmm7, [rdi+0x3000+rbx]
                    movdqa xmm15, [rdi+0x3000+rdx]
                    movaps xmm5, [rdi+0x3000+rbx]
                    paddq xmm6, xmm7
                    paddq xmm6, xmm12
                    paddq xmm6, xmm13
                    paddq xmm6, xmm14
                    paddq xmm6, xmm15
                    paddq xmm6, xmm5
                    movq rax, xmm6
                    FOLD
                    movapd xmm4, xmm0
                    unpcklpd xmm4, xmm1
                    movapd xmm5, xmm1
                    unpcklpd xmm5, xmm0
                    movapd xmm6, xmm4
                    addpd xmm6, xmm5
                    movq rax, xmm6
                    FOLD
                    movapd xmm6, xmm4
                    subpd xmm6, xmm5
                    mulpd xmm6, xmm5
                    movq rax, xmm6
                    FOLD
                    movapd xmm6, xmm4
                    divpd xmm6, xmm5
                    sqrtpd xmm7, xmm5
                    movq rax, xmm6
                    FOLD
                    movq rax, xmm7
                    FOLD
                    minpd xmm4, xmm5
                    maxpd xmm5, xmm6
                    movq rax, xmm4
                    FOLD
                    movq rax, xmm5
                    FOLD
                    movapd xmm6, xmm0
                    addpd xmm6, [rdi+0x3000+rbx]
                    mulpd xmm6, [rdi+0x3000+rdx]
                    maxpd xmm6, [rdi+0x3000+rbx]
                    movhlps xmm7, xmm6
                    movq rax, xmm7
                    FOLD
                    movapd xmm2, xmm0
                    minsd xmm2, xmm1
                    maxsd xmm3, xmm2
                    movq rax, xmm2
                    FOLD
                    movq rax, xmm3
                    FOLD
                    movss xmm10, xmm8
                    minss xmm10, xmm9
                    maxss xmm11, xmm10
                    movq rax, xmm10
                    FOLD
                    movq rax, xmm11
                    FOLD
                    minsd xmm2, [rdi+0x1000+r13*8]
                    maxss xmm10, [rdi+0x2000+r13*4]
                    cvtss2sd xmm12, xmm9
                    cvtsd2ss xmm13, xmm1
                    movq rax, xmm12
                    FOLD
                    movq rax, xmm13
                    FOLD
                    cvtss2sd xmm12, [rdi+0x2000+r13*4]
                    cvtsd2ss xmm13, [rdi+0x1000+r13*8]
                    movq rax, xmm12
                    FOLD
                    movq rax, xmm13
                    FOLD
                    movq rax, xmm2
                    FOLD
                    movq rax, xmm10
                    FOLD
                    movups [rdi+0x240], xmm6
                    movaps [rdi+0x250], xmm12
                    movdqa [rdi+0x260], xmm13
                    movdqu [rdi+0x270], xmm5
                    movupd [rdi+0x284], xmm4
                    movapd [rdi+0x2a0], xmm7
                    mov rax, [rdi+0x248]
                    add rax, [rdi+0x258]
                    add rax, [rdi+0x268]
                    add rax, [rdi+0x278]
                    add rax, [rdi+0x28c]
                    add rax, [rdi+0x2a8]
                    FOLD
                    movdqa xmm4, xmm0
                    punpcklqdq xmm4, xmm1
                    movdqa xmm5, xmm1
                    punpckhqdq xmm5, xmm6
                    movdqa xmm6, xmm4
                    paddb xmm6, xmm5
                    paddw xmm6, xmm4
                    paddd xmm6, xmm5
                    paddq xmm6, xmm4
                    movq rax, xmm6
                    FOLD
                    psubb xmm6, xmm5
                    psubw xmm6, xmm4
                    psubd xmm6, xmm5
                    psubq xmm6, xmm4
                    movhlps xmm7, xmm6
                    movq rax, xmm7
                    FOLD
                    movdqa xmm7, xmm4
                    pcmpeqb xmm7, xmm5
                    pmovmskb eax, xmm7
                    FOLD
                    movdqa xmm7, xmm4
                    pcmpeqw xmm7, xmm4
                    pcmpeqd xmm6, xmm7
                    pmovmskb ecx, xmm6
                    pmovmskb rax, xmm7
                    add eax, ecx
                    FOLD
                    pcmpeqb xmm7, [rdi+0x3000+rbx]
                    pcmpeqd xmm6, [rdi+0x3000+rdx]
                    paddd xmm6, [rdi+0x3000+rbx]
                    psubq xmm7, [rdi+0x3000+rdx]
                    punpckhqdq xmm7, [rdi+0x3000+rbx]
                    pmovmskb eax, xmm7
                    FOLD
                    movq rax, xmm6
                    FOLD
                    movdqa xmm4, [rdi+0x3000+rbx]
                    movdqa xmm5, [rdi+0x3000+rdx]
                    movaps xmm6, xmm4
                    addps xmm6, xmm5
                    movq rax, xmm6
                    FOLD
                    movhlps xmm7, xmm6
                    movq rax, xmm7
                    FOLD
                    movaps xmm6, xmm4
                    subps xmm6, xmm5
                    mulps xmm6, xmm4
                    movq rax, xmm6
                    FOLD
                    movhlps xmm7, xmm6
                    movq rax, xmm7
                    FOLD
                    movaps xmm6, xmm4
                    divps xmm6, xmm5
                    sqrtps xmm7, xmm5
                    minps xmm4, xmm6
                    maxps xmm5, xmm7
                    paddq xmm4, xmm5
                    paddq xmm6, xmm7
                    paddq xmm4, xmm6
                    movq rax, xmm4
                    FOLD
                    movhlps xmm7, xmm4
                    movq rax, xmm7
                    FOLD
                    movaps xmm6, xmm0
                    unpcklps xmm6, xmm8
                    mulps xmm6, [rdi+0x3000+rbx]
                    addps xmm6, [rdi+0x3000+rdx]
                    pminub xmm6, [rdi+0x3000+rbx]
                    pmaxub xmm6, xmm1
                    pshufd xmm7, xmm6, 0x1b
                    pshufd xmm5, [rdi+0x3000+rdx], 0xd8
                    unpckhpd xmm7, xmm5
                    unpcklpd xmm5, [rdi+0x3000+rbx]
                    movq rax, xmm7
                    FOLD
                    movhlps xmm7, xmm7
                    movq rax, xmm7
                    FOLD
                    movq rax, xmm5
                    FOLD
                    movhlps xmm5, xmm5
                    movq rax, xmm5
                    FOLD
                    movsd [rdi+0x200], xmm2
                    movss [rdi+0x208], xmm10
                    movq [rdi+0x210], xmm4
                    movd [rdi+0x218], xmm5
                    mov rax, [rdi+0x200]
                    add rax, [rdi+0x208]
                    add rax, [rdi+0x210]
                    add rax, [rdi+0x218]
                    FOLD
                    ldmxcsr [rdi+60]
                    inc r13
                    cmp r13, 32
                    jb 2b
                    inc r12
                    cmp r12, 32
                    jb 1b
                    movdqu [rdi+0x100], xmm0
                    movdqu [rdi+0x110], xmm1
                    movdqu [rdi+0x120], xmm2
                    movdqu [rdi+0x130], xmm3
                    movdqu [rdi+0x140], xmm4
                    movdqu [rdi+0x150], xmm5
                    movdqu [rdi+0x160], xmm6
                    movdqu [rdi+0x170], xmm7
                    movdqu [rdi+0x180], xmm8
                    movdqu [rdi+0x190], xmm9
                    movdqu [rdi+0x1a0], xmm10
                    movdqu [rdi+0x1b0], xmm11
                    movdqu [rdi+0x1c0], xmm12
                    movdqu [rdi+0x1d0], xmm13
                    movdqu [rdi+0x1e0], xmm14
                    movdqu [rdi+0x1f0], xmm15
                    hlt
                .org 0x1800
                    inc r14
                    push rax
                    mov rax, [rsp+8]
                    add [rdi+24], rax
                    pop rax
                    stmxcsr [rdi+52]
                    or dword ptr [rdi+52], 0x1f80
                    ldmxcsr [rdi+52]
                    iretq
                .org 0x1900
                    inc r11
                    push rax
                    mov rax, [rsp+8]
                    add [rdi+40], rax
                    pop rax
                    clts
                    iretq
                .org 0x1a00
                    inc r10
                    push rax
                    mov rax, [rsp+8]
                    add [rdi+32], rax
                    mov rax, cr0
                    and rax, ~4
                    mov cr0, rax
                    mov rax, cr4
                    or rax, 0x200
                    mov cr4, rax
                    pop rax
                    iretq
                """.replace("MXCSR", "0x" + Integer.toHexString(mxcsr)).replace("FOLD", FOLD);
    }

    private static void tables(GuestRig rig) {
        for (int k = 0; k < 32; k++) {
            rig.memory.writeLong(GuestRig.DATA + 0x1000 + 8L * k, DOUBLES[k]);
            rig.memory.writeInt(GuestRig.DATA + 0x2000 + 4L * k, FLOATS[k]);
            rig.memory.writeLong(GuestRig.DATA + 0x3000 + 16L * k, DOUBLES[k]);
            rig.memory.writeLong(GuestRig.DATA + 0x3000 + 16L * k + 8, DOUBLES[31 - k] ^ FLOATS[k]);
        }
        rig.gate64(19, GuestRig.CODE + 0x1800, 0, 0);
        rig.gate64(7, GuestRig.CODE + 0x1900, 0, 0);
        rig.gate64(6, GuestRig.CODE + 0x1a00, 0, 0);
    }

    /**
     * 0x1fa0: the fast paths' MXCSR (PE set); 0x1f80: PE clear; 0x3fa0 rounds down; 0x9fa0 flushes to
     * zero; 0x1fe0 treats denormals as zero; 0x0fa0 unmasks PE, 0x1d80 ZE, 0x1f00 IE (#XM).
     */
    @ParameterizedTest
    @ValueSource(ints = {0x1fa0, 0x1f80, 0x3fa0, 0x9fa0, 0x1fe0, 0x0fa0, 0x1d80, 0x1f00})
    void everyInlineFormOnEveryOperandPairAgrees(int mxcsr) throws Exception {
        JitSseTest.Result r = JitSseTest.agree(tableProgram(mxcsr), JitSseTableTest::tables);
        assertEquals(32, r.reg(12), "the table loops ran to their end");
        assertEquals(64, r.reg(11), "#NM: one per 16 pairs");
        assertEquals(128, r.reg(10), "#UD: CR0.EM and CR4.OSFXSR, one each per 16 pairs");
        if (mxcsr == 0x0fa0 || mxcsr == 0x1d80 || mxcsr == 0x1f00) {
            assertTrue(r.reg(14) > 0, "#XM raised");
        } else {
            assertEquals(0, r.reg(14), "no #XM with every exception masked");
        }
        assertTrue(r.fallbacks() > 0, "fallbacks: " + r.fallbacks());
    }
}
