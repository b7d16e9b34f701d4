package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Translated blocks with handler calls that store only the registers and flags their instruction
 * touches (x87/MMX/SSE, shifts by CL, bit ops, string instructions...) against the interpreter:
 * each such register written inline just before the call and read inline just after, and a fault
 * inside such a handler with state pending in the translation.
 */
class JitHandlerCallTest {
    private static long[] agree(String source, java.util.function.Consumer<GuestRig> setup) throws Exception {
        return JitRuns.agree(source, setup);
    }

    /**
     * SSE instructions between inline ones: CVTSI2SD reading a register just written inline,
     * CVTTSD2SI, MOVD and PEXTRW writing registers that inline code reads next, COMISD's flags read by
     * SETA, and a MOVAPS between a CMP and the branch on its flags.
     */
    @Test
    void sseInstructionsAmongInlineOnesAgree() throws Exception {
        agree("""
                    mov edi, 0x200000
                    mov dword ptr [rdi+56], 0x1f80
                    ldmxcsr [rdi+56]
                    mov ecx, 3000
                    mov eax, 7
                    cvtsi2sd xmm2, eax
                    pxor xmm1, xmm1
                1:  lea rax, [rcx*8+3]
                    imul rax, rcx
                    mov rdx, rcx
                    pxor xmm0, xmm0
                    cvtsi2sd xmm0, rax
                    add r8, rax
                    mulsd xmm0, xmm2
                    addsd xmm1, xmm0
                    cvttsd2si rdx, xmm0
                    add r9, rdx
                    movd ebx, xmm0
                    xor r10, rbx
                    comisd xmm0, xmm2
                    seta r11b
                    add r12, r11
                    cmp rcx, 1500
                    movaps xmm3, xmm1
                    jb 2f
                    inc r13
                2:  pextrw esi, xmm1, 3
                    add r14, rsi
                    dec ecx
                    jnz 1b
                    movq qword ptr [rdi], xmm1
                    movsd qword ptr [rdi+8], xmm3
                    hlt
                """, rig -> { });
    }

    /**
     * CVTSI2SD raises #XM (MXCSR 0 leaves the precision exception unmasked) in the 500th iteration,
     * with registers written inline and flags pending: the state must be that of its start.
     */
    @Test
    void sseFaultAmongInlineInstructionsIsPrecise() throws Exception {
        String source = """
                    mov ecx, 1000
                    mov edi, 0x200000
                    mov r8, 0x1000000000000001
                1:  add r9, rcx
                    lea rax, [rcx+rcx]
                    cmp ecx, 500
                    cmove rax, r8
                    imul r10, r9
                    sub r11, rcx
                    cvtsi2sd xmm0, rax
                    addsd xmm1, xmm0
                    dec ecx
                    jnz 1b
                    hlt
                .org 0x800
                    pop r13
                    pop r14
                    pop r15
                    movq qword ptr [rdi], xmm1
                    hlt
                """;
        long[] r = agree(source, rig -> rig.gate64(19, GuestRig.CODE + 0x800, 0, 0));
        assertEquals(500, r[1], "#XM in the 500th iteration");
        assertTrue(r[13] > GuestRig.CODE && r[13] < GuestRig.CODE + 0x40, "RIP of the CVTSI2SD");
    }

    /**
     * Each kind of general-register and flag access by x87, MMX and SSE handlers, with the register
     * written inline just before (so that it is pending in a local) and read inline just after.
     */
    @Test
    void registerAndFlagAccessesOfFpuHandlersAgree() throws Exception {
        agree("""
                    mov edi, 0x200000
                    mov dword ptr [rdi+56], 0x1f80
                    ldmxcsr [rdi+56]
                    fninit
                    mov ecx, 2000
                1:  lea rax, [rcx+rcx*2+1]
                    cvtsi2sd xmm0, eax
                    lea rbx, [rcx+rcx*4+7]
                    cvtsi2ss xmm1, rbx
                    mov rdx, rcx
                    cvttsd2si edx, xmm0
                    add r8, rdx
                    mov rsi, rcx
                    cvtss2si rsi, xmm1
                    add r8, rsi
                    lea r9, [rcx+rcx*8]
                    movq xmm2, r9
                    movd xmm3, ecx
                    paddq xmm2, xmm3
                    mov r10, rcx
                    movq r10, xmm2
                    add r8, r10
                    lea r11, [rcx*4]
                    pinsrw xmm2, r11d, 2
                    mov r12, rcx
                    pextrw r12d, xmm2, 2
                    add r8, r12
                    mov r13, rcx
                    pmovmskb r13d, xmm2
                    add r8, r13
                    mov r14, rcx
                    movmskpd r14d, xmm0
                    add r8, r14
                    mov r15, rcx
                    pextrd r15d, xmm2, 1
                    add r8, r15
                    lea rbp, [rcx+3]
                    pinsrd xmm3, ebp, 1
                    cmp rcx, 1000
                    ucomisd xmm0, xmm1
                    seta al
                    add r8, rax
                    cmp rcx, 700
                    ptest xmm2, xmm3
                    setz al
                    adc r8, rax
                    mov [rdi+48], rcx
                    fild qword ptr [rdi+48]
                    fld1
                    fcomi st, st(1)
                    setb al
                    add r8, rax
                    cmp ecx, 1500
                    fcmovb st, st(1)
                    fnstsw ax
                    add r8, rax
                    fstp qword ptr [rdi+8]
                    fstp qword ptr [rdi+16]
                    movsd qword ptr [rdi+24], xmm0
                    movdqu [rdi+32], xmm2
                    dec ecx
                    jnz 1b
                    hlt
                """, rig -> { });
    }

    /**
     * Integer instructions run by their handlers with only their own registers and the flags
     * stored around them: shifts by CL, double shifts, bit tests and scans, XADD, CMPXCHG,
     * LAHF/SAHF, NEG and XCHG with memory, each between inline instructions whose results are pending.
     */
    @Test
    void integerHandlersAmongInlineInstructionsAgree() throws Exception {
        agree("""
                    mov ecx, 3000
                    mov edi, 0x200000
                    mov rsi, 0x9e3779b97f4a7c15
                1:  imul rsi, rsi, 0x5851f42d
                    add rsi, rcx
                    mov rax, rsi
                    mov ebx, ecx
                    shl rax, cl
                    add r8, rax
                    mov rdx, rsi
                    shld rdx, rax, cl
                    rcr rdx, 3
                    xor r9, rdx
                    mov r10, rsi
                    bts r10, rcx
                    bt r10, rbx
                    adc r8, r10
                    btc qword ptr [rdi], rcx
                    bsf r11, r10
                    bsr r12, rsi
                    add r9, r11
                    lea r13, [rsi+rcx]
                    xadd r13, r14
                    add r8, r13
                    mov rax, r14
                    cmpxchg r15, r13
                    setz dl
                    add r9, rdx
                    add eax, ecx
                    lahf
                    add r8, rax
                    mov ah, cl
                    sahf
                    adc r9, 0
                    neg qword ptr [rdi+8]
                    mov rbp, rcx
                    xchg [rdi+16], rbp
                    add r8, rbp
                    dec ecx
                    jnz 1b
                    hlt
                """, rig -> { });
    }

    /**
     * String instructions between inline ones: MOVSQ, STOSB, LODSQ and SCASB with only rAX, rCX, rSI,
     * rDI and the flags stored around them; REP MOVSB, REP STOSD and a REPE CMPSB long enough to
     * pause twice (its handler comes back to it after the vCPU loop looked at events) end their blocks.
     */
    @Test
    void stringInstructionsAmongInlineOnesAgree() throws Exception {
        agree("""
                    mov r8d, 40
                1:  lea r9, [r8+r8*2]
                    mov esi, 0x200000
                    mov edi, 0x240000
                    mov ecx, 40000
                    add r10, r9
                    rep movsb
                    add r10, rdi
                    mov eax, r8d
                    mov ecx, 100
                    rep stosd
                    add r11, rcx
                    mov esi, 0x240000
                    mov edi, 0x200000
                    mov ecx, 40000
                    repe cmpsb
                    setz bl
                    add r12, rcx
                    lodsq
                    add r13, rax
                    lea rcx, [rsi+r8]
                    movsq
                    add r13, rsi
                    stosb
                    sub r13, rdi
                    add r15, rcx
                    scasb
                    adc r14, rbx
                    mov byte ptr [0x200000 + r8], al
                    dec r8d
                    jnz 1b
                    hlt
                """, rig -> { });
    }
}
