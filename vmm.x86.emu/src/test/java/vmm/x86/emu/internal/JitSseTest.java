package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import vmm.core.device.BusDevice;

import vmm.x86.emu.internal.jit.Jit;
import vmm.x86.emu.internal.jit.SseFast;

/**
 * The inline SSE forms of translated code against the interpreter: every block translated on first
 * sight, final registers, RFLAGS, MXCSR and memory compared with a run with the JIT off. Operand
 * tables hold what each fast path must hand to its handler next to
 * ordinary values ({@link JitSseTableTest}); here, whole loops: the benchmark's, MXCSR changing
 * in the middle of a translated loop, faults of inline forms (#PF, #GP) with precise state, and a
 * store into the running loop.
 */
class JitSseTest {
    private static final int DATA_LONGS = 96;

    /** Runs interpreted, then translated; returns the translated run's state and its fallbacks. */
    static Result agree(String source, java.util.function.Consumer<GuestRig> setup) throws Exception {
        long[] interpreted = JitRuns.run(false, source, setup, DATA_LONGS);
        long translatedBefore = Jit.translated();
        long fallbacksBefore = SseFast.fallbacks();
        long[] translated = JitRuns.run(true, source, setup, DATA_LONGS);
        long fallbacks = SseFast.fallbacks() - fallbacksBefore;
        assertTrue(Jit.translated() > translatedBefore, "nothing was translated");
        assertArrayEquals(interpreted, translated, "registers 0-15, RFLAGS, data: interpreter vs translated");
        long[] regions = JitRuns.run(true, JitRuns.REGION_THRESHOLD, source, setup, DATA_LONGS);
        assertArrayEquals(interpreted, regions, "registers 0-15, RFLAGS, data: interpreter vs translated regions");
        return new Result(translated, fallbacks);
    }

    record Result(long[] state, long fallbacks) {
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
                    mov eax, ecx
                    and eax, 63
                    cmp eax, 32
                    jne 3f
                    mov qword ptr [0x7008], 0
                    invlpg [rdi]
                3:  movups [rdi-8], xmm1
                    mov ebx, ecx
                    and ebx, 1
                    shl ebx, 3
                    lea rsi, [rdi+16]
                    movapd xmm4, [rdi+rbx]
                    andpd xmm4, [rsi+rbx]
                    movapd [rsi+rbx], xmm4
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
                    mov rax, [0x400ff8]
                    add [0x200020], rax
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
        assertEquals(46 + 47, r.reg(14), "one #PF per unmapping");
        assertEquals(4500, r.reg(15), "#GP from MOVAPD (load and store) and ANDPD every other iteration");
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

    /**
     * SSE arithmetic on a device register, with a value the inline path hands to the handler (a
     * denormal): the register is read once per instruction, translated or not.
     */
    @Test
    void aDeviceRegisterIsReadOncePerInstruction() throws Exception {
        String source = """
                    mov ecx, 3000
                    mov edi, 0x10000000
                    mov eax, 0x1fa0
                    mov [rsp-8], eax
                    ldmxcsr [rsp-8]
                    pxor xmm1, xmm1
                1:  addsd xmm1, [rdi]
                    comisd xmm1, [rdi+8]
                    dec ecx
                    jnz 1b
                    hlt
                """;
        for (boolean jit : new boolean[] {false, true}) {
            AtomicInteger reads = new AtomicInteger();
            BusDevice register = new BusDevice() {
                @Override
                public void read(long offset, byte[] data) {
                    reads.incrementAndGet();
                    // A denormal: the inline path gives up on it and the handler decides.
                    Arrays.fill(data, (byte) 0);
                    data[0] = 1;
                }

                @Override
                public void write(long offset, byte[] data) {
                }
            };
            long before = SseFast.fallbacks();
            JitRuns.run(jit, source, rig -> rig.mmio.insert(register, 0x10000000L, 4096), DATA_LONGS);
            assertEquals(6000, reads.get(), "device reads with the JIT " + (jit ? "on" : "off"));
            if (jit) {
                assertTrue(SseFast.fallbacks() > before, "the translated forms ran their handlers");
            }
        }
    }
}
