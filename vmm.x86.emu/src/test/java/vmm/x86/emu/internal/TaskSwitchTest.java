package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static vmm.x86.emu.internal.GuestRig.assertReg;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.FpuState;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuState;

/**
 * Hardware task switches in 32-bit protected mode, as kvm-unit-tests' taskswitch uses them: a
 * #GP through an IDT task gate (nested: back link, NT, error code on the new task's stack), IRET
 * with NT back to the faulting task, and a far JMP through a GDT task gate.
 */
class TaskSwitchTest {
    private static final long MAIN_TSS = 0x7000, INTR_TSS = 0x7100;
    private static final int MAIN_SEL = 0x50, INTR_SEL = 0x58, GATE_SEL = 0x60;
    GuestRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new GuestRig();
        rig.memory.writeLong(GuestRig.GDT + MAIN_SEL, tss(MAIN_TSS, 0x8b)); // busy: the running task
        rig.memory.writeLong(GuestRig.GDT + INTR_SEL, tss(INTR_TSS, 0x89));
        rig.memory.writeLong(GuestRig.GDT + GATE_SEL, ((long) MAIN_SEL << 16) | (0x85L << 40));
        // The interrupt task: flat 32-bit code at CODE + 0x800, its own stack.
        rig.memory.writeInt(INTR_TSS + 0x20, (int) GuestRig.CODE + 0x800);
        rig.memory.writeInt(INTR_TSS + 0x24, 2);
        rig.memory.writeInt(INTR_TSS + 0x38, 0x70000);
        int[] segs = {GuestRig.KDATA, GuestRig.CODE32, GuestRig.KDATA, GuestRig.KDATA, GuestRig.KDATA, GuestRig.KDATA};
        for (int k = 0; k < segs.length; k++) {
            rig.memory.writeInt(INTR_TSS + 0x48 + 4 * k, segs[k]);
        }
        rig.memory.writeLong(GuestRig.IDT + 8 * 13, ((long) INTR_SEL << 16) | (0x85L << 40)); // #GP: task gate
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    private static long tss(long base, int access) {
        return 0x67 | ((base & 0xffffff) << 16) | ((long) access << 40) | ((base >>> 24) << 56);
    }

    private static VcpuState mainTask() {
        long[] g = new long[16];
        g[4] = GuestRig.STACK;
        Segment code = GuestRig.seg(GuestRig.CODE32, 0xc09b);
        Segment data = GuestRig.seg(GuestRig.KDATA, 0xc093);
        SystemRegisters sregs = new SystemRegisters(code, data, data, data, data, data,
                new Segment(MAIN_SEL, MAIN_TSS, 0x67, 0x8b), new Segment(0, 0, 0, 0x10000),
                new DescriptorTable(GuestRig.GDT, 13 * 8 - 1), new DescriptorTable(GuestRig.IDT, 256 * 8 - 1),
                0x11, 0, 0, 0, 0, 0, 0xfee00900L);
        return new VcpuState(new Registers(g, GuestRig.CODE, 2), sregs, Map.of(), new FpuState(new byte[512]),
                new byte[0], false, false, false);
    }

    @Test
    void faultThroughTaskGateNestsAndIretWithNtReturns() throws Exception {
        rig.loadCode("""
                .code32
                    mov eax, 0x11111111
                    mov bx, 0x1234
                    mov es, bx
                    mov ecx, [0x200000]
                    mov edx, [0x200004]
                    mov esi, [0x200008]
                    str edi
                    hlt
                .org 0x800
                    pop eax
                    mov [0x200000], eax
                    pushfd
                    pop eax
                    and eax, 0x4000
                    mov [0x200004], eax
                    movzx eax, word ptr [0x7100]
                    mov [0x200008], eax
                    add dword ptr [0x7020], 2
                    iretd
                """);
        rig.vcpu.setState(mainTask());
        VcpuState s = rig.runToHalt();
        assertReg(s, 0, 0x11111111L); // the main task's registers came back from its TSS
        assertReg(s, 1, 0x1234);      // the #GP error code (LDT selector, no LDT), on the new task's stack
        assertReg(s, 2, 0x4000);      // the nested task ran with NT
        assertReg(s, 6, MAIN_SEL);    // and its back link named the main task
        assertReg(s, 7, MAIN_SEL);    // IRET switched back
        assertEquals(0, s.regs().rflags() & 0x4000, "NT is the main task's again");
        assertEquals(0x89, rig.memory.readByte(GuestRig.GDT + INTR_SEL + 5) & 0xff, "IRET freed the interrupt task");
        assertEquals(8, s.sregs().cr0() & 8, "CR0.TS after a task switch");
    }

    @Test
    void jmpThroughAGdtTaskGateGoesBackWithoutNesting() throws Exception {
        rig.loadCode("""
                .code32
                    mov eax, 0x22222222
                    mov bx, 0x1234
                    mov es, bx
                    mov ecx, [0x200000]
                    str edi
                    hlt
                .org 0x800
                    pop eax
                    mov [0x200000], eax
                    add dword ptr [0x7020], 2
                    and byte ptr [0x500 + 0x50 + 5], 0xfd
                    jmp 0x60:0
                """);
        rig.vcpu.setState(mainTask());
        VcpuState s = rig.runToHalt();
        assertReg(s, 0, 0x22222222L);
        assertReg(s, 1, 0x1234);
        assertReg(s, 7, MAIN_SEL);
        assertEquals(0x89, rig.memory.readByte(GuestRig.GDT + INTR_SEL + 5) & 0xff, "JMP leaves the old task not busy");
        assertEquals(0x8b, rig.memory.readByte(GuestRig.GDT + MAIN_SEL + 5) & 0xff, "and marks the new one busy");
    }
}
