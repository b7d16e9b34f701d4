package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static vmm.x86.emu.internal.GuestRig.assertReg;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.VcpuState;

/**
 * Instruction breakpoints (DR0-DR3/DR7) with RF, and the data segments an IRET to an outer
 * privilege level nulls: the cases kvm-unit-tests' emulator test checks.
 */
class DebugAndOuterReturnTest {
    GuestRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new GuestRig();
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    /** #DB handler: counts in R15, DR6 in R14, sets RF in the frame so the instruction can run. */
    private static final String DB_HANDLER = """
            .org 0x900
                inc r15
                mov r14, dr6
                or qword ptr [rsp + 16], 0x10000
                iretq
            """;

    @Test
    void instructionBreakpointRightAfterMovSsFiresOnceAndRfResumes() throws Exception {
        rig.gate64(1, GuestRig.CODE + 0x900, 0, 0);
        VcpuState s = rig.run64("""
                mov ebx, 7
                lea rax, [rip + target]
                mov dr0, rax
                mov eax, 0x401
                mov dr7, rax
                mov ax, ss
                mov ss, ax
            target:
                xor ebx, ebx
                mov rcx, r15
                xor eax, eax
                mov dr7, rax
                hlt
                """ + DB_HANDLER);
        assertReg(s, 1, 1); // one #DB, on an AMD CPU even inside the MOV SS shadow
        assertReg(s, 3, 0); // the XOR ran after the handler returned with RF
        assertEquals(1, GuestRig.reg(s, 14) & 0xf, "DR6.B0");
    }

    @Test
    void disabledOrElsewhereBreakpointsStayQuiet() throws Exception {
        rig.gate64(1, GuestRig.CODE + 0x900, 0, 0);
        VcpuState s = rig.run64("""
                lea rax, [rip + target]
                mov dr0, rax
                mov dr1, rax
                mov eax, 0x100408
                mov dr7, rax
            target:
                nop
                hlt
                """ + DB_HANDLER);
        // DR0 not enabled, DR1 enabled as a write watchpoint (not an instruction breakpoint).
        assertReg(s, 15, 0);
    }

    @Test
    void iretToUserNullsKernelDataSegmentsButKeepsTheGsBase() throws Exception {
        rig.gate64(0x80, GuestRig.CODE + 0xa00, 3, 0);
        VcpuState s = rig.run64("""
                mov qword ptr [0x200010], 0x1234
                mov ax, 0x10
                mov gs, ax
                mov ecx, 0xc0000101
                mov eax, 0x200000
                xor edx, edx
                wrmsr
                push 0x23
                push 0x7ff00
                push 0x202
                push 0x2b
                lea rax, [rip + user]
                push rax
                iretq
            user:
                mov r8, gs:[0x10]
                mov r9d, gs
                mov r10d, ds
                int 0x80
            .org 0xa00
                hlt
                """);
        assertReg(s, 8, 0x1234); // GS base kept: 64-bit code still addresses through it
        assertReg(s, 9, 0);      // GS (DPL 0) became null on the way to ring 3
        assertReg(s, 10, 0);     // so did DS
    }
}
