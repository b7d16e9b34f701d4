package vmm.x86.emu.internal;

import static vmm.x86.emu.internal.GuestRig.assertReg;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.VcpuState;

/**
 * MSRs that Debian's kernel reads with a plain RDMSR (no exception fixup) on the AMD K8 family
 * we report: a #GP there is an "unchecked MSR access error" with a call trace in its log.
 */
class LinuxMsrsTest {
    static GuestRig rig;

    @BeforeAll
    static void setUp() throws Exception {
        rig = new GuestRig();
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
}
