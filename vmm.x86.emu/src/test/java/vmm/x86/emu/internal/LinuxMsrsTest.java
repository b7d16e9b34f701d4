package vmm.x86.emu.internal;

import static vmm.x86.emu.internal.GuestRig.assertReg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.state.VcpuState;

/**
 * MSRs that Debian's kernel reads with a plain RDMSR (no exception fixup) on the AMD K8 family
 * we report: a #GP there is an "unchecked MSR access error" with a call trace in its log.
 */
class LinuxMsrsTest {
    static GuestRig rig;

    @BeforeAll
    static void setUp() throws Exception {
        rig = new GuestRig(2, 64L << 20);
    }

    @AfterAll
    static void tearDown() {
        rig.close();
    }

    @Test
    void syscfgAndIntPendingMessageReadWithoutFault() throws Exception {
        VcpuState s = rig.run64("""
                mov ecx, 0xc0010055
                mov eax, -1
                mov edx, -1
                rdmsr
                mov rbx, rax
                mov rsi, rdx
                xor eax, eax
                xor edx, edx
                wrmsr
                mov ecx, 0xc0010010
                rdmsr
                mov rdi, rax
                hlt
                """);
        assertReg(s, 3, 0);
        assertReg(s, 6, 0);
        assertReg(s, 7, 0);
    }

    @Test
    void vcpusShareOneTscEvenAfterAStateRoundTrip() throws Exception {
        Thread.sleep(20);
        AcceleratedVcpu second = rig.vm.createVcpu(1);
        // The machine takes the BSP's state and gives it back with the boot registers.
        rig.vcpu.setState(rig.vcpu.state());
        long a = rig.vcpu.state().msrs().get(0x10);
        long b = second.state().msrs().get(0x10);
        long c = rig.vcpu.state().msrs().get(0x10);
        // 2 GHz: the reads are microseconds apart, the vCPUs were made 20 ms apart.
        assertTrue(a <= b && b <= c, a + " " + b + " " + c);
        assertTrue(c - a < 2_000_000, "reads " + (c - a) + " cycles apart");
    }
}
