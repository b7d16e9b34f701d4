package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import vmm.x86.emu.internal.jit.Jit;

/**
 * Translated blocks against the interpreter on whole programs, where single-instruction
 * differential cases cannot reach: loops that run inside one translated method (and leave it when
 * the batch's budget is spent), flags computed for some instructions and skipped for those no one
 * sees, a page fault in the middle of a translated block (RIP, registers and RFLAGS of the faulting
 * instruction), code that rewrites its own loop, the one-operand multiplies and divides (#DE with
 * the state of the DIV's start), and blocks of up to 64 instructions (one that loops in its method,
 * one too large for a method). Each program runs with the JIT off and with every block translated
 * on first sight ({@link JitRuns}); the final registers, RFLAGS and data must agree.
 */
class JitTest {
    private static long[] agree(String source, java.util.function.Consumer<GuestRig> setup) throws Exception {
        return JitRuns.agree(source, setup);
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
        // 60 memory instructions: seven rounds of eight, then half a round.
        String round = """
                    add qword ptr [rdi+0], rax
                    xor rax, [rdi+24]
                    add qword ptr [rdi+16], rax
                    xor rax, [rdi+8]
                    add qword ptr [rdi+32], rax
                    xor rax, [rdi+56]
                    add qword ptr [rdi+48], rax
                    xor rax, [rdi+40]
                """;
        String half = round.lines().limit(4).map(l -> l + "\n").reduce("", String::concat);
        agree("""
                    mov ecx, 300
                    mov edi, 0x200000
                    mov rax, 0x0123456789abcdef
                1:  rol rax, 5
                """ + round.repeat(7) + half + """
                    dec ecx
                    jnz 1b
                    hlt
                """, rig -> { });
        assertTrue(Jit.split() > split, "the block was split");
        assertEquals(refused, Jit.refused(), "nothing refused");
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
     * A loop of several blocks (an early exit, two arms that join, a call and its return, a
     * store) runs in one method: translations cover the blocks a block led to in its page.
     */
    @Test
    void aLoopOfSeveralBlocksIsTranslatedAsOneRegion() throws Exception {
        long before = Jit.regions();
        long[] r = agree("""
                    mov ecx, 20000
                    mov edi, 0x200000
                    xor eax, eax
                    xor edx, edx
                    mov rbx, 0x9e3779b97f4a7c15
                1:  rol rbx, 5
                    test bl, 1
                    jz 2f
                    add rax, rbx
                    jmp 3f
                2:  sub rdx, rbx
                    test bl, 2
                    jnz 3f
                    xor rax, rdx
                    call 4f
                3:  mov rsi, rbx
                    and esi, 0x38
                    add [rdi+rsi], rax
                    cmp byte ptr [rdi+rsi], 0x7f
                    ja 5f
                    dec ecx
                    jnz 1b
                    hlt
                4:  adc rdx, 3
                    ret
                5:  inc r8
                    dec ecx
                    jnz 1b
                    hlt
                """, rig -> { });
        assertTrue(Jit.regions() > before, "no translation covered more than one block");
        assertEquals(0, r[1], "the loop ran to its end");
        assertTrue(r[8] > 0 && r[8] < 20000, "both ways out of the compare were taken: " + r[8]);
    }
}
