package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.VcpuState;
import vmm.x86.emu.internal.jit.Jit;

/**
 * Translated blocks against the interpreter on whole programs, where single-instruction
 * differential cases cannot reach: loops that run inside one translated method (and leave it when
 * the batch's budget is spent), flags computed for some instructions and skipped for those no one
 * sees, a page fault in the middle of a translated block (RIP, registers and RFLAGS of the faulting
 * instruction), and code that rewrites its own loop. Each program runs with the JIT off and with
 * every block translated on first sight; the final registers, RFLAGS and data must agree.
 */
class JitTest {
    /** Runs {@code source} on a fresh machine with the JIT as {@code jit} says; returns GPRs, RFLAGS and 64 data bytes. */
    private static long[] run(boolean jit, String source, java.util.function.Consumer<GuestRig> setup) throws Exception {
        Map<String, String> saved = new HashMap<>();
        for (String k : List.of("vmm.emu.jit", "vmm.emu.jit.threshold", "vmm.emu.jit.sync")) {
            saved.put(k, System.getProperty(k));
        }
        System.setProperty("vmm.emu.jit", Boolean.toString(jit));
        System.setProperty("vmm.emu.jit.threshold", "1");
        System.setProperty("vmm.emu.jit.sync", "true");
        try (GuestRig rig = new GuestRig()) {
            setup.accept(rig);
            VcpuState s = rig.run64(source);
            long[] out = new long[16 + 1 + 8];
            System.arraycopy(s.regs().gpr(), 0, out, 0, 16);
            out[16] = s.regs().rflags();
            for (int k = 0; k < 8; k++) {
                out[17 + k] = rig.memory.readLong(GuestRig.DATA + 8L * k);
            }
            return out;
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    private static long[] agree(String source, java.util.function.Consumer<GuestRig> setup) throws Exception {
        long[] interpreted = run(false, source, setup);
        long before = Jit.translated();
        long[] translated = run(true, source, setup);
        assertTrue(Jit.translated() > before, "nothing was translated");
        assertArrayEquals(interpreted, translated, "registers 0-15, RFLAGS, data[0..7]: interpreter vs translated");
        return translated;
    }

    @Test
    void mixedIntegerLoopAgrees() throws Exception {
        long[] r = agree("""
                    mov ecx, 300000
                    mov rax, 0x9e3779b97f4a7c15
                    mov rbx, 0x0123456789abcdef
                    xor esi, esi
                    mov edi, 0x200000
                1:  imul rax, rbx
                    add rax, 0x3c6ef35f
                    adc rsi, rax
                    mov rdx, rax
                    shr rdx, 29
                    and edx, 0x38
                    add [rdi+rdx], rax
                    sbb r8d, edx
                    rol rbx, 7
                    inc r9
                    dec r10w
                    setc r11b
                    movzx ebp, ah
                    movsx r13, dl
                    lea r14, [rbp+r13*4+7]
                    test r14b, 3
                    cmovz r15, r14
                    neg r15
                    not r13
                    cmp r8, r9
                    jl 2f
                    push rax
                    pop r10
                2:  xor r11, r10
                    sar r11, 3
                    shl r12, 2
                    ror r14w, 5
                    sub ecx, 1
                    jnz 1b
                    hlt
                """, rig -> { });
        assertEquals(0, r[1], "the loop ran to its end");
    }

    @Test
    void flagsOfTheLastProducerSurviveTheBlock() throws Exception {
        agree("""
                    mov ecx, 1000
                1:  mov eax, ecx
                    add eax, 0x7ffffff0
                    sub ebx, eax
                    and edx, ebx
                    or edx, 0x40
                    xor esi, eax
                    cmp esi, ecx
                    dec ecx
                    jnz 1b
                    mov eax, 0x80000000
                    add eax, eax
                    hlt
                """, rig -> { });
    }

    @Test
    void pageFaultInTheMiddleOfATranslatedBlockIsPrecise() throws Exception {
        // Page 0x401000 is absent; the loop touches it in its 500th iteration, mid-block.
        String source = """
                    mov ecx, 1000
                    mov edi, 0x400ff8
                    xor r8d, r8d
                1:  add r8, rcx
                    inc r9
                    cmp r8, 12345
                    mov rax, [rdi]
                    add r10, rax
                    lea r11, [r8+r9]
                    cmp ecx, 501
                    jne 2f
                    add edi, 0x10
                2:  dec ecx
                    jnz 1b
                    hlt
                .org 0x800
                    pop rbx
                    pop rcx
                    pop rdx
                    pop rsi
                    hlt
                """;
        long[] r = agree(source, rig -> {
            rig.gate64(14, GuestRig.CODE + 0x800, 0, 0);
            rig.memory.writeLong(0x3000 + 8 * 2, 0x7000 | 7);
            for (int k = 0; k < 512; k++) {
                rig.memory.writeLong(0x7000 + 8L * k, (0x400000L + 4096L * k) | 7);
            }
            rig.memory.writeLong(0x7000 + 8, 0);
        });
        assertEquals(0, r[3], "a read of an absent page: error code 0");
        assertTrue(r[1] > GuestRig.CODE && r[1] < GuestRig.CODE + 0x40, "RIP of the faulting load");
    }

    @Test
    void codeThatRewritesItsOwnLoopAgrees() throws Exception {
        // The loop patches the immediate of its own ADD after 1000 iterations.
        agree("""
                    mov ecx, 3000
                1:  add r8, 0x11
                patch = . - 1
                    inc r9
                    cmp ecx, 2000
                    jne 2f
                    mov byte ptr [rip + patch], 0x22
                2:  dec ecx
                    jnz 1b
                    hlt
                """, rig -> { });
    }

    /** One loop of about 60 instructions: one block that loops inside its translation. */
    private static final String WIDE_MUL_DIV_LOOP = """
                mov ecx, 20000
                mov rsi, 0x9e3779b97f4a7c15
                mov r11, 0x10000000000
            1:  mov rax, rsi
                shl rax, 13
                xor rsi, rax
                mov rax, rsi
                shr rax, 7
                xor rsi, rax
                mov rax, rsi
                shl rax, 17
                xor rsi, rax
                mov rax, rsi
                mov rbx, rsi
                ror rbx, 21
                mul rbx
                add r8, rdx
                adc r9, rax
                mov rax, rsi
                imul rbx
                adc r8, rdx
                mov eax, esi
                mul ebx
                adc r9, rdx
                mov eax, esi
                imul bx
                adc r9, rdx
                mov rax, rsi
                mul bl
                adc r8, rax
                mov eax, esi
                imul bh
                seto r10b
                add r8, rax
                mov rax, rsi
                mov edx, r9d
                mov rdi, rbx
                or rdi, r11
                div rdi
                add r8, rax
                xor r9, rdx
                mov rax, rsi
                sar rdx, 63
                idiv rdi
                add r8, rdx
                mov eax, esi
                xor edx, edx
                mov edi, ebx
                or edi, 1
                div edi
                add r9, rax
                mov eax, esi
                sar edx, 31
                and edi, 0x7ffffff0
                or edi, 1
                idiv edi
                sub r8, rdx
                mov eax, esi
                xor edx, edx
                div di
                add r9, rdx
                dec ecx
                jnz 1b
                hlt
            """;

    @Test
    void oneOperandMultiplyAndDivideAgreeInALongBlockThatLoops() throws Exception {
        long[] r = agree(WIDE_MUL_DIV_LOOP, rig -> { });
        assertEquals(0, r[1], "the loop ran to its end");
    }

    @Test
    void byteMultiplyAndDivideAgree() throws Exception {
        agree("""
                    mov ecx, 5000
                    mov esi, 0x12345
                1:  imul esi, esi, 0x343fd
                    add esi, 0x269ec3
                    mov ebx, esi
                    shr ebx, 8
                    movzx eax, si
                    and eax, 0x3fff
                    mov edi, ebx
                    or edi, 0x80
                    div dil
                    add r8, rax
                    movsx eax, bl
                    mov edi, ebx
                    and edi, 0x3f
                    or edi, 0x40
                    idiv dil
                    adc r9, rax
                    mov eax, ebx
                    mul bh
                    adc r10, rax
                    mov eax, esi
                    imul bl
                    adc r11, rax
                    dec ecx
                    jnz 1b
                    hlt
                """, rig -> { });
    }

    /** Divides by zero in the 500th iteration, with registers and flags pending in the translation. */
    @Test
    void divideErrorInATranslatedBlockIsPrecise() throws Exception {
        String source = """
                    mov ecx, 1000
                1:  add r9, rcx
                    imul r10, r9
                    mov eax, ecx
                    xor edx, edx
                    lea r11, [rcx-500]
                    cmp r9, 123456
                    div r11
                    add r12, rax
                    dec ecx
                    jnz 1b
                    hlt
                .org 0x800
                    pop r13
                    pop r14
                    pop r15
                    hlt
                """;
        long[] r = agree(source, rig -> rig.gate64(0, GuestRig.CODE + 0x800, 0, 0));
        assertEquals(500, r[1], "the fault came in the 500th iteration");
        assertTrue(r[13] > GuestRig.CODE && r[13] < GuestRig.CODE + 0x40, "RIP of the DIV");
    }

    @Test
    void signedQuotientOverflowIsADivideError() throws Exception {
        String source = """
                    mov ecx, 100
                    mov r9, -1
                1:  inc r8
                    mov eax, 0x80000000
                    cdq
                    mov edi, r8d
                    add edi, 1000
                    cmp ecx, 50
                    cmove edi, r9d
                    idiv edi
                    dec ecx
                    jnz 1b
                    hlt
                .org 0x800
                    pop r13
                    pop r14
                    pop r15
                    hlt
                """;
        long[] r = agree(source, rig -> rig.gate64(0, GuestRig.CODE + 0x800, 0, 0));
        assertEquals(50, r[1], "INT_MIN / -1 in the 51st iteration");
    }

    /** A block of 62 memory instructions is too large for one method: a prefix is translated, then the rest. */
    @Test
    void aBlockTooLargeForOneMethodIsTranslatedInParts() throws Exception {
        long split = Jit.split();
        long refused = Jit.refused();
        agree("""
                    mov ecx, 300
                    mov edi, 0x200000
                    mov rax, 0x0123456789abcdef
                1:  rol rax, 5
                    add qword ptr [rdi+0], rax
                    xor rax, [rdi+24]
                    add qword ptr [rdi+16], rax
                    xor rax, [rdi+8]
                    add qword ptr [rdi+32], rax
                    xor rax, [rdi+56]
                    add qword ptr [rdi+48], rax
                    xor rax, [rdi+40]
                    add qword ptr [rdi+0], rax
                    xor rax, [rdi+24]
                    add qword ptr [rdi+16], rax
                    xor rax, [rdi+8]
                    add qword ptr [rdi+32], rax
                    xor rax, [rdi+56]
                    add qword ptr [rdi+48], rax
                    xor rax, [rdi+40]
                    add qword ptr [rdi+0], rax
                    xor rax, [rdi+24]
                    add qword ptr [rdi+16], rax
                    xor rax, [rdi+8]
                    add qword ptr [rdi+32], rax
                    xor rax, [rdi+56]
                    add qword ptr [rdi+48], rax
                    xor rax, [rdi+40]
                    add qword ptr [rdi+0], rax
                    xor rax, [rdi+24]
                    add qword ptr [rdi+16], rax
                    xor rax, [rdi+8]
                    add qword ptr [rdi+32], rax
                    xor rax, [rdi+56]
                    add qword ptr [rdi+48], rax
                    xor rax, [rdi+40]
                    add qword ptr [rdi+0], rax
                    xor rax, [rdi+24]
                    add qword ptr [rdi+16], rax
                    xor rax, [rdi+8]
                    add qword ptr [rdi+32], rax
                    xor rax, [rdi+56]
                    add qword ptr [rdi+48], rax
                    xor rax, [rdi+40]
                    add qword ptr [rdi+0], rax
                    xor rax, [rdi+24]
                    add qword ptr [rdi+16], rax
                    xor rax, [rdi+8]
                    add qword ptr [rdi+32], rax
                    xor rax, [rdi+56]
                    add qword ptr [rdi+48], rax
                    xor rax, [rdi+40]
                    add qword ptr [rdi+0], rax
                    xor rax, [rdi+24]
                    add qword ptr [rdi+16], rax
                    xor rax, [rdi+8]
                    add qword ptr [rdi+32], rax
                    xor rax, [rdi+56]
                    add qword ptr [rdi+48], rax
                    xor rax, [rdi+40]
                    add qword ptr [rdi+0], rax
                    xor rax, [rdi+24]
                    add qword ptr [rdi+16], rax
                    xor rax, [rdi+8]
                    dec ecx
                    jnz 1b
                    hlt
                """, rig -> { });
        assertTrue(Jit.split() > split, "the block was split");
        assertEquals(refused, Jit.refused(), "nothing refused");
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

    @Test
    void signExtensionsExchangesAndByteSwapsAgree() throws Exception {
        agree("""
                    mov ecx, 4000
                    mov rsi, 0x9e3779b97f4a7c15
                1:  imul rsi, rsi, 0x5851f42d
                    add rsi, rcx
                    mov rax, rsi
                    cbw
                    add r8, rax
                    mov rax, rsi
                    cwde
                    cwd
                    add r9, rdx
                    cdqe
                    cqo
                    add r8, rdx
                    mov eax, esi
                    cdq
                    sub r9, rdx
                    xchg rax, r10
                    xchg r11d, eax
                    xchg bh, al
                    xchg cx, cx
                    bswap r10
                    bswap r11d
                    add r8, r10
                    add r9, r11
                    add r12, rbx
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
