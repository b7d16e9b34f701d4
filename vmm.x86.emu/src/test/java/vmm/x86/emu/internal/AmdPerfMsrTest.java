package vmm.x86.emu.internal;

import static vmm.x86.emu.internal.GuestRig.assertReg;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.VcpuState;

/** The AMD performance-counter MSRs read as zero and keep what is written, without #GP. */
class AmdPerfMsrTest {
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
    void legacyAndCoreCountersAreZeroedStorage() throws Exception {
        VcpuState s = rig.run64("""
                mov ecx, 0xc0010004
                rdmsr
                mov r8, rax
                mov eax, 0x12345678
                mov edx, 0x9a
                wrmsr
                rdmsr
                mov r9, rax
                mov r10, rdx
                mov ecx, 0xc001020b
                xor eax, eax
                xor edx, edx
                rdmsr
                mov r11, rax
                mov eax, 0x430076
                xor edx, edx
                wrmsr
                xor eax, eax
                rdmsr
                mov r12, rax
                mov ecx, 0xc0010000
                rdmsr
                mov r13, rax
                hlt
                """);
        assertReg(s, 8, 0);
        assertReg(s, 9, 0x12345678L);
        assertReg(s, 10, 0x9a);
        assertReg(s, 11, 0);
        assertReg(s, 12, 0x430076L);
        assertReg(s, 13, 0);
    }
}
