package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.x86.emu.internal.GuestRig.assertReg;

import org.junit.jupiter.api.Test;

import vmm.core.device.BusDevice;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.hypervisor.VcpuExit;
import vmm.core.hypervisor.state.DebugRegisters;
import vmm.core.hypervisor.state.VcpuEvents;
import vmm.core.hypervisor.state.VcpuState;

/**
 * What a state taken at an instruction boundary carries beyond the registers: an armed
 * instruction breakpoint (DR0-DR3, DR6, DR7) and NMI blocking with a latched NMI. Each test
 * takes the state from one vCPU and sets it on a vCPU of a fresh VM, as a restore does.
 */
class SavedStateCarryTest {
    /** #DB handler: counts in R15, DR6 in R14, sets RF in the frame so the instruction can run. */
    private static final String BREAKPOINT_PROGRAM = """
                lea rax, [rip + target]
                mov dr0, rax
                mov eax, 0x401
                mov dr7, rax
                hlt
            target:
                mov ebx, 7
                mov rcx, r15
                hlt
            .org 0x900
                inc r15
                mov r14, dr6
                or qword ptr [rsp + 16], 0x10000
                iretq
            """;

    private static VcpuState awake(VcpuState s) {
        return new VcpuState(s.regs(), s.sregs(), s.msrs(), s.fpu(), s.lapic(), false, false, s.interruptShadow(),
                s.debug(), s.events());
    }

    @Test
    void armedBreakpointSurvivesIntoAFreshVcpuAndFires() throws Exception {
        VcpuState saved;
        try (GuestRig rig = new GuestRig()) {
            rig.gate64(1, GuestRig.CODE + 0x900, 0, 0);
            saved = rig.run64(BREAKPOINT_PROGRAM);
        }
        assertEquals(0x401, saved.debug().dr7() & 0xffff);
        long target = saved.regs().rip(); // the HLT before target is one byte long and done
        assertEquals(target, saved.debug().dr0());

        try (GuestRig rig = new GuestRig()) {
            rig.loadCode(BREAKPOINT_PROGRAM);
            rig.gate64(1, GuestRig.CODE + 0x900, 0, 0);
            rig.vcpu.setState(awake(saved));
            assertEquals(saved.debug(), rig.vcpu.state().debug());
            VcpuState s = rig.runToHalt();
            assertReg(s, 1, 1);  // the #DB came before the first instruction at target
            assertReg(s, 3, 7);  // and RF let that instruction run after it
            assertEquals(1, GuestRig.reg(s, 14) & 0xf, "DR6.B0");
        }

        // The same registers without the debug registers (as a version 1 save reads): no #DB.
        try (GuestRig rig = new GuestRig()) {
            rig.loadCode(BREAKPOINT_PROGRAM);
            rig.gate64(1, GuestRig.CODE + 0x900, 0, 0);
            VcpuState a = awake(saved);
            rig.vcpu.setState(new VcpuState(a.regs(), a.sregs(), a.msrs(), a.fpu(), a.lapic(), false, false, false));
            assertEquals(DebugRegisters.RESET, rig.vcpu.state().debug());
            VcpuState s = rig.runToHalt();
            assertReg(s, 1, 0);
            assertReg(s, 3, 7);
        }
    }

    /**
     * NMI handler: counts in R15 and stops in HLT (where the state is taken); resumed past the
     * HLT it copies the count to R13 before its IRET. The main program only halts.
     */
    private static final String NMI_PROGRAM = """
                hlt
                jmp $-1
            .org 0x900
                inc r15
                hlt
                mov r13, r15
                iretq
            """;

    @Test
    void nmiBlockedVcpuRestoredStaysBlockedUntilIret() throws Exception {
        VcpuState saved;
        long[] stack = new long[512]; // RAM travels with the state: the NMI's frame is on this page
        NmiPort port = new NmiPort();
        try (GuestRig rig = new GuestRig(1, 64L << 20, port)) {
            rig.loadCode(NMI_PROGRAM);
            rig.gate64(2, GuestRig.CODE + 0x900, 0, 0);
            rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
            port.nmi = true;
            runUntilHalted(rig); // the NMI is taken: its handler halts
            port.nmi = true;
            runUntilHalted(rig); // a second one arrives inside the handler and is latched
            saved = rig.vcpu.state();
            for (long a = GuestRig.STACK - 4096; a < GuestRig.STACK; a += 8) {
                stack[(int) (a - (GuestRig.STACK - 4096)) / 8] = rig.memory.readLong(a);
            }
        }
        assertReg(saved, 15, 1);
        assertEquals(new VcpuEvents(true, true, false, -1, false, 0, -1, false), saved.events());

        NmiPort fresh = new NmiPort();
        try (GuestRig rig = new GuestRig(1, 64L << 20, fresh)) {
            rig.loadCode(NMI_PROGRAM);
            rig.gate64(2, GuestRig.CODE + 0x900, 0, 0);
            for (int k = 0; k < stack.length; k++) {
                rig.memory.writeLong(GuestRig.STACK - 4096 + 8L * k, stack[k]);
            }
            rig.vcpu.setState(awake(saved)); // woken in the handler, past its HLT
            assertTrue(rig.vcpu.state().events().nmiBlocked());
            fresh.nmi = true; // a third NMI: merges into the latched one while blocked
            runUntilHalted(rig);
            VcpuState s = rig.vcpu.state();
            assertReg(s, 13, 1); // no NMI entered the handler before its IRET
            assertReg(s, 15, 2); // the latched NMI came right after it, once
            assertTrue(s.events().nmiBlocked());
            assertEquals(false, s.events().nmiPending());
        }
    }

    /**
     * A performance MSR the guest programmed, and an exception whose delivery KVM had begun
     * when its state was taken: this CPU completes the delivery before its next instruction.
     */
    @Test
    void programmedPerfMsrAndAnExceptionUnderWayCarryOver() throws Exception {
        String program = """
                    mov ecx, 0xc0010004
                    mov eax, 0x1234
                    xor edx, edx
                    wrmsr
                    hlt
                    hlt
                .org 0x900
                    pop r10
                    mov ecx, 0xc0010004
                    rdmsr
                    mov r11, rax
                    hlt
                """;
        VcpuState saved;
        try (GuestRig rig = new GuestRig()) {
            saved = rig.run64(program);
        }
        assertEquals(0x1234L, saved.msrs().get(0xc0010004));

        try (GuestRig rig = new GuestRig()) {
            rig.loadCode(program);
            rig.gate64(13, GuestRig.CODE + 0x900, 0, 0);
            VcpuState a = awake(saved);
            VcpuEvents gp = new VcpuEvents(false, false, false, 13, true, 0x18, -1, false);
            rig.vcpu.setState(new VcpuState(a.regs(), a.sregs(), a.msrs(), a.fpu(), a.lapic(), false, false, false,
                    a.debug(), gp));
            assertEquals(gp, rig.vcpu.state().events()); // still under way until the vCPU runs
            VcpuState s = rig.runToHalt();
            assertReg(s, 10, 0x18);   // the #GP's error code, pushed by the completed delivery
            assertReg(s, 11, 0x1234); // the MSR value came along
            assertEquals(VcpuEvents.NONE, s.events());
        }
    }

    private static void runUntilHalted(GuestRig rig) {
        assertInstanceOf(VcpuExit.Kicked.class, rig.vcpu.run());
        Thread.interrupted(); // the vCPU loop re-asserted the interrupt that ended the HLT
    }

    /** A local APIC that only raises NMIs; HLT ends the run. */
    static final class NmiPort implements InterruptPort {
        volatile boolean nmi;

        @Override
        public int pendingEvents() {
            return nmi ? EVENT_NMI : 0;
        }

        @Override
        public int acknowledgeInterrupt() {
            return -1;
        }

        @Override
        public void acknowledgeNmi() {
            nmi = false;
        }

        @Override
        public void acknowledgeInit() {
        }

        @Override
        public int acknowledgeSipi() {
            return 0;
        }

        @Override
        public void await(long timeoutNanos) throws InterruptedException {
            throw new InterruptedException("halted");
        }

        @Override
        public void wake() {
        }

        @Override
        public long apicBase() {
            return 0xfee0_0900L;
        }

        @Override
        public boolean setApicBase(long value) {
            return false;
        }

        @Override
        public int cr8() {
            return 0;
        }

        @Override
        public void setCr8(int value) {
        }

        @Override
        public BusDevice registers() {
            return new BusDevice() {
                @Override
                public void read(long offset, byte[] data) {
                    java.util.Arrays.fill(data, (byte) 0);
                }

                @Override
                public void write(long offset, byte[] data) {
                }
            };
        }

        @Override
        public long tscDeadline() {
            return 0;
        }

        @Override
        public void setTscDeadline(long value) {
        }
    }
}
