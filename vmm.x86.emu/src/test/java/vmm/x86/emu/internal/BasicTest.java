package vmm.x86.emu.internal;

import static vmm.x86.emu.internal.GuestRig.assertReg;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.VcpuState;

class BasicTest {
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
    void movAddHalt() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, 5
                mov rbx, 0x123456789
                add rax, rbx
                mov ecx, -1
                hlt
                """);
        assertReg(s, 0, 0x12345678eL);
        assertReg(s, 1, 0xffffffffL);
    }
}
