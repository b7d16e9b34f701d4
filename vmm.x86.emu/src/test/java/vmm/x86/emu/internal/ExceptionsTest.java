package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vmm.x86.emu.internal.GuestRig.assertReg;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.VcpuExit;
import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuState;

/** Exceptions and interrupts through the IDT in each mode, privilege changes, triple fault. */
class ExceptionsTest {
    GuestRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new GuestRig();
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    /** Handler at CODE+0x800: RAX = CR2, RBX = error code, RCX = pushed RIP, then HLT. */
    private static final String ERR_HANDLER = """
            .org 0x800
                mov rax, cr2
                pop rbx
                pop rcx
                hlt
            """;
    private static final String NOERR_HANDLER = """
            .org 0x900
                pop rcx
                mov rdx, [rsp]
                mov rsi, [rsp + 8]
                hlt
            """;

    @Test
    void undefinedOpcodeGoesThroughTheIdt() throws Exception {
        rig.gate64(6, GuestRig.CODE + 0x900, 0, 0);
        VcpuState s = rig.run64("""
                nop
                ud2
                hlt
                """ + NOERR_HANDLER);
        assertReg(s, 1, GuestRig.CODE + 1);
        assertReg(s, 2, GuestRig.KCODE);
        assertEquals(0x10000, GuestRig.reg(s, 6) & 0x10000, "a fault pushes RFLAGS with RF set");
    }

    @Test
    void sysretThatSetsTfTrapsRightAfterIt() throws Exception {
        rig.gate64(1, GuestRig.CODE + 0x900, 0, 0);
        VcpuState s = rig.run64("""
                mov ecx, 0xc0000080
                rdmsr
                or eax, 1
                wrmsr
                mov ecx, 0xc0000081
                xor eax, eax
                mov edx, 0x00180008
                wrmsr
                lea rcx, [rip + user]
                mov rdi, rcx
                mov r11, 0x102
                .byte 0x48, 0x0f, 0x07
            user:
                nop
                nop
                hlt
                """ + NOERR_HANDLER);
        // TF is judged at the end of SYSRET: the trap is taken before the first user instruction.
        assertEquals(GuestRig.reg(s, 1), GuestRig.reg(s, 7), "pushed RIP is the SYSRET target");
        assertReg(s, 2, GuestRig.UCODE);
    }

    @Test
    void trapFlagSingleStepsAfterTheNextInstruction() throws Exception {
        rig.gate64(1, GuestRig.CODE + 0x900, 0, 0);
        VcpuState s = rig.run64("""
                pushfq
                or qword ptr [rsp], 0x100
                popfq
                nop
                hlt
                """ + NOERR_HANDLER);
        assertReg(s, 1, GuestRig.CODE + 11);
        assertEquals(0, s.regs().rflags() & 0x100, "the handler runs with TF clear");
    }

    @Test
    void faultWhileDeliveringIntRestartsTheInt() throws Exception {
        // Gate 0x40 points at a not-present selector: #NP(selector) with RIP at the INT itself.
        rig.gate64(11, GuestRig.CODE + 0x800, 0, 0);
        long lo = (GuestRig.CODE + 0x900) & 0xffff | (0x48L << 16) | (0x8eL << 40);
        rig.memory.writeLong(GuestRig.IDT + 16 * 0x40, lo | ((((GuestRig.CODE + 0x900) >>> 16) & 0xffff) << 48));
        rig.memory.writeLong(GuestRig.IDT + 16 * 0x40 + 8, 0);
        rig.memory.writeLong(GuestRig.GDT + 0x48, 0x00af1b000000ffffL);
        VcpuState s = rig.run64("""
                nop
                int 0x40
                hlt
                """ + ERR_HANDLER);
        assertReg(s, 3, 0x48);
        assertReg(s, 1, GuestRig.CODE + 1);
    }

    @Test
    void nonCanonicalStackAccessIsAStackFault() throws Exception {
        rig.gate64(12, GuestRig.CODE + 0x800, 0, 1);
        rig.memory.writeLong(GuestRig.TSS + 0x24, GuestRig.STACK - 0x4000);
        VcpuState s = rig.run64("""
                mov rsp, 0x8000000000000000
                push rax
                hlt
                """ + ERR_HANDLER);
        assertReg(s, 3, 0);
        assertReg(s, 1, GuestRig.CODE + 10);
    }

    @Test
    void unimplementedOpcodeIsUndefined() throws Exception {
        rig.gate64(6, GuestRig.CODE + 0x900, 0, 0);
        VcpuState s = rig.run64("""
                .byte 0x0f, 0x0f, 0xc0, 0x00
                hlt
                """ + NOERR_HANDLER);
        assertReg(s, 1, GuestRig.CODE);
    }

    @Test
    void divideErrorAndBreakpoint() throws Exception {
        rig.gate64(0, GuestRig.CODE + 0x900, 0, 0);
        VcpuState s = rig.run64("""
                xor ecx, ecx
                mov eax, 1
                div ecx
                hlt
                """ + NOERR_HANDLER);
        assertReg(s, 1, GuestRig.CODE + 7);
        rig.gate64(3, GuestRig.CODE + 0x900, 0, 0);
        s = rig.run64("""
                int3
                hlt
                """ + NOERR_HANDLER);
        assertReg(s, 1, GuestRig.CODE + 1);
    }

    @Test
    void pageFaultsCarryErrorCodeAndCr2() throws Exception {
        rig.gate64(14, GuestRig.CODE + 0x800, 0, 0);
        // 0x400000-0x5fffff through a page table at 0x7000: page 1 absent, page 2 read-only, page 3 NX.
        rig.memory.writeLong(0x3000 + 8 * 2, 0x7000 | 7);
        for (int k = 0; k < 512; k++) {
            rig.memory.writeLong(0x7000 + 8L * k, (0x400000L + 4096L * k) | 7);
        }
        rig.memory.writeLong(0x7000 + 8, 0);
        rig.memory.writeLong(0x7000 + 16, 0x402000L | 5);
        rig.memory.writeLong(0x7000 + 24, 0x403000L | 7 | (1L << 63));
        rig.memory.writeByte(0x403000, (byte) 0xf4);
        VcpuState s = rig.run64("""
                mov qword ptr [0x401010], 1
                hlt
                """ + ERR_HANDLER);
        assertReg(s, 0, 0x401010);
        assertReg(s, 3, 2);
        assertReg(s, 1, GuestRig.CODE);
        s = rig.run64("""
                mov rdx, [0x402008]
                mov qword ptr [0x402008], 1
                hlt
                """ + ERR_HANDLER);
        assertReg(s, 0, 0x402008);
        assertReg(s, 3, 3);
        s = rig.run64("""
                mov rax, 0x403000
                jmp rax
                """ + ERR_HANDLER);
        assertReg(s, 0, 0x403000);
        assertReg(s, 3, 0x11);
        // Accessed bits on the way, dirty on the page written through a writable entry.
        s = rig.run64("""
                mov qword ptr [0x404000], 7
                hlt
                """);
        assertEquals(0x60, rig.memory.readLong(0x7000 + 32) & 0x60);
        assertEquals(0x20, rig.memory.readLong(0x7000 + 16) & 0x60);
    }

    @Test
    void userModeIntChangesStackThroughTheTss() throws Exception {
        rig.gate64(0x80, GuestRig.CODE + 0x900, 3, 0);
        rig.gate64(0x81, GuestRig.CODE + 0x900, 0, 0);
        rig.gate64(13, GuestRig.CODE + 0x800, 0, 0);
        rig.loadCode("""
                int 0x80
                """ + ERR_HANDLER + NOERR_HANDLER);
        rig.vcpu.setState(user(GuestRig.CODE));
        VcpuState s = rig.runToHalt();
        assertReg(s, 1, GuestRig.CODE + 2);
        assertReg(s, 2, GuestRig.UCODE);
        assertEquals(GuestRig.KCODE, s.sregs().cs().selector());
        assertReg(s, 4, GuestRig.STACK - 0x8000 - 32);
        // A gate with DPL 0 refuses INT from ring 3: #GP(vector * 8 + 2).
        rig.loadCode("""
                int 0x81
                """ + ERR_HANDLER + NOERR_HANDLER);
        rig.vcpu.setState(user(GuestRig.CODE));
        s = rig.runToHalt();
        assertReg(s, 3, 0x81 * 8 + 2);
    }

    private static VcpuState user(long rip) {
        VcpuState k = GuestRig.longMode(rip, null);
        SystemRegisters r = k.sregs();
        Segment cs = new Segment(GuestRig.UCODE, 0, -1, 0xa0fb);
        Segment ds = new Segment(GuestRig.UDATA, 0, -1, 0xc0f3);
        SystemRegisters u = new SystemRegisters(cs, ds, ds, ds, ds, ds, r.tr(), r.ldt(), r.gdt(), r.idt(), r.cr0(),
                0, r.cr3(), r.cr4(), 0, r.efer(), r.apicBase());
        long[] g = new long[16];
        g[4] = GuestRig.STACK - 0x100;
        return new VcpuState(new vmm.core.hypervisor.state.Registers(g, rip, 0x202), u, k.msrs(), k.fpu(),
                new byte[0], false, false, false);
    }

    @Test
    void syscallAndSysret() throws Exception {
        rig.loadCode("""
                mov rcx, 0x100100
                mov r11, 0x202
                sysretq
            .org 0x100
                mov rax, 0x1234
                syscall
            .org 0x200
                mov rbx, rsp
                hlt
                """);
        VcpuState k = GuestRig.longMode(GuestRig.CODE, null);
        Map<Integer, Long> msrs = GuestRig.msrs(0xc0000081L, (0x18L << 48) | (0x08L << 32), 0xc0000082L,
                GuestRig.CODE + 0x200, 0xc0000084L, 0x200);
        rig.vcpu.setState(new VcpuState(k.regs(), k.sregs(), msrs, k.fpu(), new byte[0], false, false, false));
        VcpuState s = rig.runToHalt();
        assertReg(s, 0, 0x1234);
        assertReg(s, 1, GuestRig.CODE + 0x109);
        assertEquals(0x202, GuestRig.reg(s, 11) & 0x202);
        assertEquals(GuestRig.KCODE, s.sregs().cs().selector());
        assertEquals(GuestRig.KDATA, s.sregs().ss().selector());
        assertEquals(0, s.regs().rflags() & 0x200, "SFMASK cleared IF");
    }

    @Test
    void faultWithoutUsableIdtIsATripleFault() throws Exception {
        rig.loadCode("ud2");
        VcpuState k = GuestRig.longMode(GuestRig.CODE, null);
        SystemRegisters r = k.sregs();
        SystemRegisters noIdt = new SystemRegisters(r.cs(), r.ds(), r.es(), r.fs(), r.gs(), r.ss(), r.tr(), r.ldt(),
                r.gdt(), new DescriptorTable(0, 0), r.cr0(), 0, r.cr3(), r.cr4(), 0, r.efer(), r.apicBase());
        rig.vcpu.setState(new VcpuState(k.regs(), noIdt, Map.of(), k.fpu(), new byte[0], false, false, false));
        VcpuExit exit = rig.vcpu.run();
        VcpuExit.TripleFault tf = assertInstanceOf(VcpuExit.TripleFault.class, exit);
        assertTrue(tf.detail().contains("exception"), tf.detail());
    }

    @Test
    void protectedModeInterruptGate() throws Exception {
        rig.gate32(0x30, GuestRig.CODE + 0x100, 0);
        rig.loadCode("""
                .code32
                mov eax, 7
                int 0x30
                hlt
            .org 0x100
                pop ecx
                pop edx
                pop esi
                add eax, 1
                hlt
                """);
        rig.vcpu.setState(GuestRig.protectedMode(GuestRig.CODE));
        VcpuState s = rig.runToHalt();
        assertReg(s, 0, 8);
        assertReg(s, 1, GuestRig.CODE + 7);
        assertReg(s, 2, GuestRig.CODE32);
        assertEquals(0x2, GuestRig.reg(s, 6) & 0x2);
    }

    @Test
    void realModeInterruptThroughTheIvt() throws Exception {
        rig.memory.writeInt(0x10 * 4, 0x0800_0100);
        rig.load(0x8000, GuestRig.assemble("""
                .code16
                mov ax, 0x55
                int 0x10
                hlt
            .org 0x100
                mov bx, sp
                add ax, 1
                iret
                """));
        rig.vcpu.setState(GuestRig.realMode(0x800, 0));
        VcpuState s = rig.runToHalt();
        assertReg(s, 0, 0x56);
        assertReg(s, 3, 0x7000 - 6);
        assertEquals(0x800, s.sregs().cs().selector());
        assertEquals(6, s.regs().rip());
    }
}
