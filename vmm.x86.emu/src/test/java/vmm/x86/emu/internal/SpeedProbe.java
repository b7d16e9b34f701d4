package vmm.x86.emu.internal;

import vmm.core.hypervisor.state.VcpuState;

/**
 * Interpreter speed on a loop of ordinary integer code (ALU, loads/stores, calls, branches):
 * prints guest MIPS. A tool for tuning, not a benchmark of record (those live under bench/).
 */
public final class SpeedProbe {
    private SpeedProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (GuestRig rig = new GuestRig()) {
            rig.loadCode("""
                    mov r15, %s
                    mov rdi, 0x200000
                outer:
                    mov rcx, 1000
                    xor eax, eax
                inner:
                    mov rdx, [rdi + rcx*8]
                    add rax, rdx
                    lea rdx, [rax + rcx]
                    mov [rdi + rcx*8], rdx
                    call leaf
                    cmp rcx, 500
                    jne 1f
                    inc r9
                1:  dec rcx
                    jnz inner
                    dec r15
                    jnz outer
                    hlt
                leaf:
                    shl rdx, 3
                    xor rdx, rax
                    ret
                    """.formatted(args.length > 0 ? args[0] : "20000"));
            for (int round = 0; round < 5; round++) {
                rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
                var mx = java.lang.management.ManagementFactory.getThreadMXBean();
                long start = mx.getCurrentThreadCpuTime();
                VcpuState s = rig.runToHalt();
                // CPU time of this thread: the host is shared, wall time says little.
                double secs = (mx.getCurrentThreadCpuTime() - start) / 1e9;
                long n = ((EmuVcpu) rig.vcpu).instructions();
                System.out.printf("round %d: %.2f s, %.1f MIPS (total %d)%n", round, secs,
                        (n / (round + 1.0)) / secs / 1e6, n);
                if (s.regs().rip() == 0) {
                    System.out.println(s);
                }
            }
        }
    }
}
