package vmm.x86.emu.internal;

import vmm.core.hypervisor.state.VcpuState;

/**
 * Translated-code speed on the BLAKE2s round loop of {@link JitSseIntTest} (the kernel's
 * blake2s_compress_ssse3: MOVD gathers, PUNPCKLDQ/QDQ, PADDD, PXOR, PSHUFB, PSRLD/PSLLD/POR,
 * PSHUFD): prints guest MIPS and ns per instruction. Run with {@code -Dvmm.emu.jit.sse=false} for
 * the handler-call baseline. A tool for tuning, not a benchmark of record (those live under bench/).
 */
public final class SseIntSpeedProbe {
    private SseIntSpeedProbe() {
    }

    public static void main(String[] args) throws Exception {
        long blocks = args.length > 0 ? Long.parseLong(args[0]) : 20_000;
        try (GuestRig rig = new GuestRig()) {
            JitSseIntTest.blake2sSetup(rig);
            rig.loadCode(JitSseIntTest.blake2sProgram(blocks));
            for (int round = 0; round < 5; round++) {
                rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
                var mx = java.lang.management.ManagementFactory.getThreadMXBean();
                long start = mx.getCurrentThreadCpuTime();
                long before = ((EmuVcpu) rig.vcpu).instructions();
                VcpuState s = rig.runToHalt();
                // CPU time of this thread: the host is shared, wall time says little.
                double secs = (mx.getCurrentThreadCpuTime() - start) / 1e9;
                long n = ((EmuVcpu) rig.vcpu).instructions() - before;
                System.out.printf("round %d: %.2f s, %.1f MIPS, %.2f ns/instruction, rax %x%n", round, secs,
                        n / secs / 1e6, secs * 1e9 / n, s.regs().gpr(0));
            }
        }
    }
}
