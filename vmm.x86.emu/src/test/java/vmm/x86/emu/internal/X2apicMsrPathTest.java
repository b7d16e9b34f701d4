package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static vmm.x86.emu.internal.GuestRig.assertReg;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import vmm.core.device.BusDevice;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.hypervisor.VcpuExit;
import vmm.core.hypervisor.state.VcpuState;

/**
 * RDMSR/WRMSR of 0x800-0x8ff go to the local APIC's x2APIC interface, whose refusals are #GP;
 * CPUID.1:ECX.x2APIC follows what the APIC says it implements; leaf 0xB gives the x2APIC ID.
 */
class X2apicMsrPathTest {

    /** An APIC in x2APIC mode with ID 7 and one writable ICR; everything else is refused. */
    static final class FakeX2apic implements InterruptPort {
        final List<Long> icrWrites = new ArrayList<>();
        final boolean supported;

        FakeX2apic(boolean supported) {
            this.supported = supported;
        }

        @Override
        public boolean x2apicSupported() {
            return supported;
        }

        @Override
        public OptionalLong readX2apicMsr(int msr) {
            return msr == 0x802 ? OptionalLong.of(7) : OptionalLong.empty();
        }

        @Override
        public boolean writeX2apicMsr(int msr, long value) {
            if (msr != 0x830) {
                return false;
            }
            icrWrites.add(value);
            return true;
        }

        @Override
        public int pendingEvents() {
            return 0;
        }

        @Override
        public int acknowledgeInterrupt() {
            return -1;
        }

        @Override
        public void acknowledgeNmi() {
        }

        @Override
        public void acknowledgeInit() {
        }

        @Override
        public int acknowledgeSipi() {
            return 0;
        }

        /** HLT ends the run: the vCPU loop turns the interruption into a Kicked exit. */
        @Override
        public void await(long timeoutNanos) throws InterruptedException {
            throw new InterruptedException("halted");
        }

        @Override
        public void wake() {
        }

        @Override
        public long apicBase() {
            return 0xfee0_0d00L;
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
                    java.util.Arrays.fill(data, (byte) 0xff); // x2APIC mode: the page is not decoded
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

    private static final String PROGRAM = """
                mov eax, 1
                cpuid
                mov r8, rcx
                mov eax, 0xb
                mov ecx, 1
                cpuid
                mov r12, rdx
                mov r13, rbx
                mov ecx, 0x802
                rdmsr
                mov r9, rax
                mov ecx, 0x830
                mov eax, 0x40f1
                mov edx, 3
                wrmsr
                mov r10, 0
                mov ecx, 0x83f
                rdmsr
                hlt
            .org 0x900
                pop r11
                mov r10, 0xd
                hlt
            """;

    private static VcpuState runToHlt(GuestRig rig, String source) throws Exception {
        rig.loadCode(source);
        rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
        assertInstanceOf(VcpuExit.Kicked.class, rig.vcpu.run());
        Thread.interrupted(); // the vCPU loop re-asserted the interrupt: clear it for the next test
        return rig.vcpu.state();
    }

    @Test
    void msrsReachTheApicAndRefusalsAreGeneralProtection() throws Exception {
        FakeX2apic apic = new FakeX2apic(true);
        try (GuestRig rig = new GuestRig(1, 64L << 20, apic)) {
            rig.gate64(13, GuestRig.CODE + 0x900, 0, 0);
            VcpuState s = runToHlt(rig, PROGRAM);
            assertEquals(1 << 21, GuestRig.reg(s, 8) & (1 << 21), "CPUID.1:ECX.x2APIC");
            assertReg(s, 12, 0); // leaf 0xB: the x2APIC ID of vCPU 0
            assertReg(s, 13, 1); // one core-level processor
            assertReg(s, 9, 7);
            assertEquals(List.of((3L << 32) | 0x40f1), apic.icrWrites, "one 64-bit ICR write");
            assertReg(s, 10, 0xd);
            assertReg(s, 11, 0);
        }
    }

    @Test
    void noX2apicInCpuidWhenTheApicLacksIt() throws Exception {
        try (GuestRig rig = new GuestRig(1, 64L << 20, new FakeX2apic(false))) {
            VcpuState s = runToHlt(rig, """
                    mov eax, 1
                    cpuid
                    mov r8, rcx
                    hlt
                    """);
            assertEquals(0, GuestRig.reg(s, 8) & (1 << 21));
        }
    }
}
