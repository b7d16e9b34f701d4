package vmm.x86.emu.internal;

import vmm.core.hypervisor.state.VcpuState;

/**
 * Translated-code speed on the Linux guest benchmark's inner loop (gcc -O2 of
 * bench/guests/linux-bench.c: a xorshift step, a counter update in memory, and
 * {@code d += (double) (x & 0xffff) * 1e-3} as PXOR, CVTSI2SD, MULSD, ADDSD): prints guest MIPS and
 * ns per iteration. Run with {@code -Dvmm.emu.jit.sse=false} for the handler-call baseline, with a
 * second argument {@code int} for the loop without its SSE instructions. A tool
 * for tuning, not a benchmark of record (those live under bench/).
 */
public final class SseSpeedProbe {
    private SseSpeedProbe() {
    }

    public static void main(String[] args) throws Exception {
        long iterations = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000;
        // "int": the loop without its four SSE instructions, the floor the SSE part adds to.
        boolean integerOnly = args.length > 1 && args[1].equals("int");
        try (GuestRig rig = new GuestRig()) {
            rig.loadCode("""
                    mov dword ptr [0x200000], 0x1f80
                    ldmxcsr [0x200000]
                    mov r15, %d
                    mov rcx, 88172645463325252
                    mov r9, 0x210000
                    mov rax, 0x3f50624dd2f1a9fc
                    movq xmm2, rax
                    pxor xmm1, xmm1
                    xor r8d, r8d
                1:  mov rax, rcx
                    pxor xmm0, xmm0
                    shl rax, 13
                    xor rax, rcx
                    mov rdx, rax
                    shr rdx, 7
                    xor rax, rdx
                    mov rcx, rax
                    shl rcx, 17
                    xor rcx, rax
                    mov rax, rcx
                    shr rax, 20
                    movzx eax, ax
                    add [r9+rax*4], ecx
                    movzx eax, cx
                    add r8, rax
                    cvtsi2sd xmm0, rax
                    mulsd xmm0, xmm2
                    addsd xmm1, xmm0
                    dec r15
                    jnz 1b
                    movq rax, xmm1
                    hlt
                    """.formatted(iterations).replaceAll(integerOnly ? "(?m)^.*(pxor xmm0|cvtsi2sd|mulsd|addsd).*\n" : "^$", ""));
            for (int round = 0; round < 5; round++) {
                rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
                var mx = java.lang.management.ManagementFactory.getThreadMXBean();
                long start = mx.getCurrentThreadCpuTime();
                long before = ((EmuVcpu) rig.vcpu).instructions();
                VcpuState s = rig.runToHalt();
                // CPU time of this thread: the host is shared, wall time says little.
                double secs = (mx.getCurrentThreadCpuTime() - start) / 1e9;
                long n = ((EmuVcpu) rig.vcpu).instructions() - before;
                System.out.printf("round %d: %.2f s, %.1f MIPS, %.1f ns/iteration, sum %s%n", round, secs,
                        n / secs / 1e6, secs * 1e9 / iterations, Double.longBitsToDouble(s.regs().gpr(0)));
            }
        }
    }
}
