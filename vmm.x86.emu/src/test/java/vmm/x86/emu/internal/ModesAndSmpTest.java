package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static vmm.x86.emu.internal.GuestRig.assertReg;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.VcpuExit;
import vmm.core.hypervisor.state.VcpuState;

/** Mode transitions, self-modifying code, atomicity across vCPU threads, reset state. */
class ModesAndSmpTest {
    GuestRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new GuestRig(2, 64L << 20);
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    @Test
    void realToProtectedToLongMode() throws Exception {
        rig.load(0x8000, GuestRig.assemble("""
                .code16
                cli
                lgdt cs:[gdtr]
                mov eax, cr0
                or eax, 1
                mov cr0, eax
                ljmp 0x18, 0x8000 + pm
                .code32
            pm:
                mov ax, 0x10
                mov ds, ax
                mov ss, ax
                mov es, ax
                mov esp, 0x7000
                push 0x77
                pop ebx
                mov eax, cr4
                or eax, 0x20
                mov cr4, eax
                mov eax, 0x1000
                mov cr3, eax
                mov ecx, 0xc0000080
                rdmsr
                or eax, 0x100
                wrmsr
                mov eax, cr0
                or eax, 0x80000000
                mov cr0, eax
                ljmp 0x08, 0x8000 + lm
                .code64
            lm:
                mov rax, 0x123456789abcdef
                hlt
            gdtr:
                .word 79
                .long 0x500
                """));
        rig.vcpu.setState(GuestRig.realMode(0x800, 0));
        VcpuState s = rig.runToHalt();
        assertReg(s, 0, 0x123456789abcdefL);
        assertReg(s, 3, 0x77);
        assertEquals(GuestRig.KCODE, s.sregs().cs().selector());
        assertEquals(0x500, s.sregs().efer() & 0x500);
    }

    @Test
    void compatibilityModeAndBack() throws Exception {
        rig.loadCode("""
                lea rax, [rip + compat]
                push 0x18
                push rax
                retfq
                .code32
            compat:
                mov ecx, 0x42
                push 0x08
                push offset back
                retf
                .code64
            back:
                hlt
                """);
        rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
        VcpuState s = rig.runToHalt();
        assertReg(s, 1, 0x42);
        assertEquals(GuestRig.KCODE, s.sregs().cs().selector());
    }

    @Test
    void selfModifyingCodeTakesEffect() throws Exception {
        VcpuState s = rig.run64("""
                lea rdi, [rip + target]
                mov rcx, 3
            again:
                mov byte ptr [rdi + 1], cl
            target:
                mov al, 0x11
                add bl, al
                dec rcx
                jnz again
                hlt
                """);
        // The immediate is rewritten to 3, 2, 1 before each execution.
        assertEquals(6, GuestRig.reg(s, 3) & 0xff);
        // A loader writing code (invalidateCode) is seen on the next run.
        rig.loadCode("mov eax, 1\nhlt");
        rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
        assertReg(rig.runToHalt(), 0, 1);
        rig.loadCode("mov eax, 2\nhlt");
        rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
        assertReg(rig.runToHalt(), 0, 2);
    }

    @Test
    void lockedIncrementsFromTwoVcpusAreAtomic() throws Exception {
        int n = 200_000;
        rig.loadCode("""
                mov rcx, %d
            1:  lock inc qword ptr [0x200000]
                lock add dword ptr [0x200010], 2
                dec rcx
                jnz 1b
                hlt
                """.formatted(n));
        AcceleratedVcpu second = rig.vm.createVcpu(1);
        rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
        second.setState(GuestRig.longMode(GuestRig.CODE, null));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<VcpuExit> a = pool.submit(rig.vcpu::run);
            Future<VcpuExit> b = pool.submit(second::run);
            assertInstanceOf(VcpuExit.Halted.class, a.get(60, TimeUnit.SECONDS));
            assertInstanceOf(VcpuExit.Halted.class, b.get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2L * n, rig.memory.readLong(0x200000));
        assertEquals(4L * n, rig.memory.readInt(0x200010) & 0xffffffffL);
    }

    @Test
    void resetStateIsTheResetVector() throws Exception {
        rig.vcpu.reset();
        VcpuState s = rig.vcpu.state();
        assertEquals(0xfff0, s.regs().rip());
        assertEquals(0xf000, s.sregs().cs().selector());
        assertEquals(0xffff0000L, s.sregs().cs().base());
        AcceleratedVcpu ap = rig.vm.createVcpu(1);
        VcpuState apState = ap.state();
        assertEquals(true, apState.waitingForSipi());
    }

    @Test
    void kickFromAnotherThreadStopsALoop() throws Exception {
        rig.loadCode("1: jmp 1b");
        rig.vcpu.setState(GuestRig.longMode(GuestRig.CODE, null));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<VcpuExit> f = pool.submit(rig.vcpu::run);
            Thread.sleep(50);
            rig.vcpu.kick();
            assertInstanceOf(VcpuExit.Kicked.class, f.get(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }
}
