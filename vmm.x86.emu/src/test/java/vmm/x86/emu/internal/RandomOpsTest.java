package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static vmm.x86.emu.internal.GuestRig.assertReg;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.VcpuState;

/**
 * RDRAND and RDSEED as CPUID advertises them (leaf 1 ECX bit 30, leaf 7 EBX bit 18): register
 * forms of every size deliver a value with CF=1 and the other arithmetic flags clear; a memory
 * operand or an F2/F3 prefix is #UD.
 */
class RandomOpsTest {
    private GuestRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new GuestRig();
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    @Test
    void cpuidAdvertisesBoth() throws Exception {
        VcpuState s = rig.run64("""
                mov eax, 1
                cpuid
                mov r8, rcx
                mov eax, 7
                xor ecx, ecx
                cpuid
                mov r9, rbx
                mov eax, 7
                mov ecx, 1
                cpuid
                mov r10, rbx
                hlt
                """);
        assertEquals(1L << 30, GuestRig.reg(s, 8) & (1L << 30), "CPUID.1:ECX.RDRAND");
        assertEquals(1L << 18, GuestRig.reg(s, 9) & (1L << 18), "CPUID.(7,0):EBX.RDSEED");
        assertReg(s, 10, 0);
    }

    @Test
    void everySizeDeliversWithCarrySetAndTheOtherFlagsClear() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, -1
                add rax, 1
                rdrand rbx
                pushfq
                pop r8
                rdrand rcx
                mov rdx, 0x1122334455667788
                rdrand edx
                mov rsi, 0x1122334455667788
                rdrand si
                rdseed rdi
                pushfq
                pop r9
                mov r10, 0x1122334455667788
                rdseed r10d
                hlt
                """);
        long arith = 0x8d5;
        assertEquals(1, GuestRig.reg(s, 8) & arith, "RDRAND: CF=1, OF/SF/ZF/AF/PF=0");
        assertEquals(1, GuestRig.reg(s, 9) & arith, "RDSEED: CF=1, OF/SF/ZF/AF/PF=0");
        assertNotEquals(GuestRig.reg(s, 3), GuestRig.reg(s, 1), "two 64-bit values");
        assertEquals(0, GuestRig.reg(s, 2) >>> 32, "a 32-bit destination is zero-extended");
        assertEquals(0x1122334455660000L, GuestRig.reg(s, 6) & ~0xffffL, "a 16-bit destination keeps the rest");
        assertEquals(0, GuestRig.reg(s, 10) >>> 32, "RDSEED r32 is zero-extended");
    }

    @Test
    void memoryOperandAndRepPrefixesAreUd() throws Exception {
        for (String form : new String[] {".byte 0x0f, 0xc7, 0x30", ".byte 0xf3, 0x0f, 0xc7, 0xf0",
                ".byte 0xf2, 0x0f, 0xc7, 0xf8", ".byte 0xf0, 0x0f, 0xc7, 0xf0"}) {
            try (GuestRig r = new GuestRig()) {
                r.gate64(6, GuestRig.CODE + 0x900, 0, 0);
                VcpuState s = r.run64("""
                        mov rax, 0x200000
                        xor ecx, ecx
                        """ + form + """

                        mov ecx, 1
                        hlt
                        .org 0x900
                        mov ecx, 6
                        hlt
                        """);
                assertReg(s, 1, 6);
            }
        }
    }
}
