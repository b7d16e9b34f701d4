package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import vmm.core.hypervisor.state.VcpuState;
import vmm.x86.emu.internal.jit.Jit;
import vmm.x86.emu.internal.jit.SseFast;

/**
 * The inline SSE forms of translated code against the interpreter: every block translated on first
 * sight, final registers, RFLAGS, MXCSR and memory compared with a run with the JIT off. The operand
 * tables hold what each fast path must hand to its handler (denormals, NaNs, infinities, products
 * and quotients that overflow or underflow, division by zero, conversions out of range) next to
 * ordinary values, and run under MXCSR settings the fast paths must not take (PE clear, other
 * rounding, FTZ, DAZ, unmasked exceptions raising #XM); CR0.TS, CR0.EM and CR4.OSFXSR change
 * between SSE instructions, whose faults (#NM, #UD) must come exactly where the interpreter raises
 * them.
 */
class JitSseTest {
    private static final int DATA_LONGS = 96;

    /** GPRs, RFLAGS and {@link #DATA_LONGS} longs of data after running {@code source}. */
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
            long[] out = new long[17 + DATA_LONGS];
            System.arraycopy(s.regs().gpr(), 0, out, 0, 16);
            out[16] = s.regs().rflags();
            for (int k = 0; k < DATA_LONGS; k++) {
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

    /** Runs interpreted, then translated; returns the translated run's state and its fallbacks. */
    private static Result agree(String source, java.util.function.Consumer<GuestRig> setup) throws Exception {
        long[] interpreted = run(false, source, setup);
        long translatedBefore = Jit.translated();
        long fallbacksBefore = SseFast.fallbacks();
        long[] translated = run(true, source, setup);
        long fallbacks = SseFast.fallbacks() - fallbacksBefore;
        assertTrue(Jit.translated() > translatedBefore, "nothing was translated");
        assertArrayEquals(interpreted, translated, "registers 0-15, RFLAGS, data: interpreter vs translated");
        return new Result(translated, fallbacks);
    }

    private record Result(long[] state, long fallbacks) {
        long reg(int r) {
            return state[r];
        }

        long data(int k) {
            return state[17 + k];
        }
    }

    /**
     * The benchmark's loop (PXOR, CVTSI2SD, MULSD, ADDSD, CVTTSD2SI into a register nothing else in
     * the loop uses): MXCSR starts without PE, so the first inexact operation runs its handler, which
     * sets PE; from then on everything is inline.
     */
    @Test
    void benchmarkLoopRunsInlineOncePrecisionIsSet() throws Exception {
        Result r = agree("""
                    mov edi, 0x200000
                    mov dword ptr [rdi+60], 0x1f80
                    ldmxcsr [rdi+60]
                    mov ecx, 20000
                    mov rsi, 88172645463325252
                    mov rax, 0x3f50624dd2f1a9fc
                    movq xmm2, rax
                    pxor xmm1, xmm1
                1:  mov rax, rsi
                    shl rax, 13
                    xor rsi, rax
                    pxor xmm0, xmm0
                    mov rax, rsi
                    shr rax, 7
                    xor rsi, rax
                    movzx eax, si
                    cvtsi2sd xmm0, rax
                    mulsd xmm0, xmm2
                    addsd xmm1, xmm0
                    cvttsd2si r11, xmm1
                    movapd xmm3, xmm1
                    divsd xmm3, xmm2
                    subsd xmm3, xmm0
                    comisd xmm3, xmm1
                    ja 2f
                    inc r12
                2:  movq r13, xmm3
                    dec ecx
                    jnz 1b
                    movq [rdi], xmm1
                    stmxcsr [rdi+8]
                    hlt
                """, rig -> { });
        assertEquals(0, r.reg(1), "the loop ran to its end");
        assertEquals(0x1fa0, r.data(1) & 0xffffffffL, "MXCSR: PE set, nothing else");
        assertTrue(r.fallbacks() < 20, "SSE forms that ran their handler: " + r.fallbacks() + " of 180000");
    }

    /**
     * LDMXCSR in the middle of a block that loops inside its translation switches the rounding mode
     * every iteration: the inline forms after it must see the new MXCSR (round up, down, to zero: the
     * handler's job) and not the one of the block's entry.
     */
    @Test
    void mxcsrLoadedInTheMiddleOfALoopingBlockIsSeenByTheFormsAfterIt() throws Exception {
        Result r = agree("""
                    mov edi, 0x200000
                    mov dword ptr [rdi+64], 0x1fa0
                    mov dword ptr [rdi+68], 0x3fa0
                    mov dword ptr [rdi+72], 0x5fa0
                    mov dword ptr [rdi+76], 0x7fa0
                    mov rax, 0x3fb999999999999a
                    movq xmm2, rax
                    mov ecx, 4000
                1:  mov eax, ecx
                    and eax, 3
                    ldmxcsr [rdi+64+rax*4]
                    cvtsi2sd xmm0, rcx
                    mulsd xmm0, xmm2
                    addsd xmm1, xmm0
                    movq rdx, xmm0
                    add r8, rdx
                    cvtsd2si rdx, xmm1
                    add r10, rdx
                    stmxcsr [rdi+56]
                    mov esi, [rdi+56]
                    add r9, rsi
                    dec ecx
                    jnz 1b
                    movq [rdi], xmm1
                    hlt
                """, rig -> { });
        assertEquals(0, r.reg(1), "the loop ran to its end");
    }

    /**
     * A page fault in the 255th iteration of a translated loop, after an inline COMISD (flags
     * pending) and with R11 last written by an inline CVTTSD2SI in the previous iteration (a
     * register the block's inline code reads but never writes): the handler sees both as the
     * interpreter leaves them.
     */
    @Test
    void pageFaultAfterInlineFormsIsPrecise() throws Exception {
        Result r = agree("""
                    mov dword ptr [0x200000+60], 0x1fa0
                    ldmxcsr [0x200000+60]
                    mov ecx, 1000
                    mov edi, 0x400808
                    mov rax, 0x3ff8000000000000
                    movq xmm2, rax
                1:  add r12, r11
                    cvtsi2sd xmm0, rcx
                    mulsd xmm0, xmm2
                    comisd xmm0, xmm2
                    mov rax, [rdi]
                    add r8, rax
                    cvttsd2si r11, xmm0
                    lea rdi, [rdi+8]
                    dec ecx
                    jnz 1b
                    hlt
                .org 0x800
                    pop rbx
                    pop rcx
                    pop rdx
                    pop rsi
                    hlt
                """, rig -> {
            rig.gate64(14, GuestRig.CODE + 0x800, 0, 0);
            rig.memory.writeLong(0x3000 + 8 * 2, 0x7000 | 7);
            for (int k = 0; k < 512; k++) {
                rig.memory.writeLong(0x7000 + 8L * k, (0x400000L + 4096L * k) | 7);
            }
            rig.memory.writeLong(0x7000 + 8, 0);
        });
        assertEquals(0x401000, r.reg(7), "the fault came at the first absent address");
        assertEquals((long) (746 * 1.5), r.reg(11), "R11 from the iteration before the fault");
    }

    /**
     * SSE memory operands on a page that the loop unmaps now and then (the #PF handler maps it back):
     * loads, scalar arithmetic from memory and stores fault with the registers, flags and MXCSR of
     * the instruction's start; MOVAPD and ANDPD from an address that is misaligned every other
     * iteration raise #GP (the handler skips them: both are 5 bytes long).
     */
    @Test
    void faultsOfSseMemoryFormsArePrecise() throws Exception {
        Result r = agree("""
                    mov dword ptr [0x200000+60], 0x1fa0
                    ldmxcsr [0x200000+60]
                    mov ecx, 3000
                    mov edi, 0x401000
                    mov rax, 0x3ff8000000000000
                    movq xmm2, rax
                    movq xmm1, rax
                    mov [rdi], rax
                    mov [rdi+8], rax
                    mov [rdi+16], rax
                    mov [rdi+24], rax
                1:  mov eax, ecx
                    and eax, 63
                    jnz 2f
                    mov qword ptr [0x7008], 0
                    invlpg [rdi]
                2:  add r12, rcx
                    cvtsi2sd xmm0, rcx
                    comisd xmm0, xmm2
                    movsd xmm3, [rdi]
                    inc r13
                    mulsd xmm0, [rdi+8]
                    addsd xmm1, xmm0
                    cvttsd2si r11, xmm1
                    movsd [rdi+16], xmm1
                    mov ebx, ecx
                    and ebx, 1
                    shl ebx, 3
                    lea rsi, [rdi+16]
                    movapd xmm4, [rdi+rbx]
                    andpd xmm4, [rsi+rbx]
                    movq rdx, xmm4
                    add r9, rdx
                    movq rdx, xmm3
                    add r8, rdx
                    dec ecx
                    jnz 1b
                    stmxcsr [0x200000]
                    hlt
                .org 0x800
                    push rax
                    mov rax, [rsp+16]
                    add [0x200008], rax
                    mov rax, cr2
                    add [0x200010], rax
                    mov qword ptr [0x7008], 0x401007
                    inc r14
                    pop rax
                    add rsp, 8
                    iretq
                .org 0x900
                    inc r15
                    push rax
                    mov rax, [rsp+16]
                    add [0x200018], rax
                    add qword ptr [rsp+16], 5
                    pop rax
                    add rsp, 8
                    iretq
                """, rig -> {
            rig.gate64(14, GuestRig.CODE + 0x800, 0, 0);
            rig.gate64(13, GuestRig.CODE + 0x900, 0, 0);
            rig.memory.writeLong(0x3000 + 8 * 2, 0x7000 | 7);
            for (int k = 0; k < 512; k++) {
                rig.memory.writeLong(0x7000 + 8L * k, (0x400000L + 4096L * k) | 7);
            }
        });
        assertEquals(0, r.reg(1), "the loop ran to its end");
        assertEquals(3000 / 64, r.reg(14), "one #PF per unmapping");
        assertEquals(3000, r.reg(15), "#GP from MOVAPD and ANDPD every other iteration");
    }

    /** Every iteration, MOVSD patches the immediate of the first instruction of its own one-block loop. */
    @Test
    void sseStoreIntoItsOwnLoopAgrees() throws Exception {
        Result r = agree("""
                    mov eax, 1
                    movq xmm2, rax
                    pxor xmm1, xmm1
                    mov ecx, 3000
                1:  mov rax, 0x1111111111111111
                patch = . - 8
                    add r8, rax
                    paddq xmm1, xmm2
                    movsd [rip + patch], xmm1
                    dec ecx
                    jnz 1b
                    hlt
                """, rig -> { });
        assertEquals(0x1111111111111111L + 2999L * 3000 / 2, r.reg(8), "each iteration saw the previous one's patch");
    }

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
        Result r = agree(tableProgram(mxcsr), JitSseTest::tables);
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
