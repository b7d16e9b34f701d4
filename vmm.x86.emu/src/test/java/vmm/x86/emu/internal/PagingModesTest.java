package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static vmm.x86.emu.internal.GuestRig.assertReg;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuState;

/** 32-bit and PAE paging, INVLPG, I/O permission, and legacy-mode instruction forms. */
class PagingModesTest {
    GuestRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new GuestRig();
    }

    @AfterEach
    void tearDown() {
        rig.close();
    }

    /** 32-bit #PF handler at CODE+0x800: EBX = error code, EAX = CR2, HLT. */
    private static final String PF32 = """
            .org 0x800
                pop ebx
                mov eax, cr2
                hlt
            """;

    private VcpuState paged32(long cr0, long cr3, long cr4, long efer) {
        VcpuState p = GuestRig.protectedMode(GuestRig.CODE);
        SystemRegisters r = p.sregs();
        SystemRegisters s = new SystemRegisters(r.cs(), r.ds(), r.es(), r.fs(), r.gs(), r.ss(), r.tr(), r.ldt(),
                r.gdt(), r.idt(), cr0, 0, cr3, cr4, 0, efer, r.apicBase());
        return new VcpuState(p.regs(), s, Map.of(), p.fpu(), new byte[0], false, false, false);
    }

    @Test
    void classic32BitPagingWith4MiBAnd4KiBPages() throws Exception {
        rig.gate32(14, GuestRig.CODE + 0x800, 0);
        rig.memory.writeInt(0x8000, 0x87);
        rig.memory.writeInt(0x8004, 0x9000 | 7);
        for (int k = 0; k < 1024; k++) {
            rig.memory.writeInt(0x9000 + 4L * k, (0x400000 + 4096 * k) | 7);
        }
        rig.memory.writeInt(0x9000 + 4, 0);
        rig.memory.writeInt(0x402000, 0x12345678);
        rig.loadCode("""
                .code32
                mov ecx, [0x402000]
                mov dword ptr [0x401004], 1
                hlt
                """ + PF32);
        rig.vcpu.setState(paged32(0x80010011L, 0x8000, 0x10, 0));
        VcpuState s = rig.runToHalt();
        assertReg(s, 1, 0x12345678);
        assertReg(s, 0, 0x401004);
        assertReg(s, 3, 2);
        assertEquals(0x20, rig.memory.readInt(0x8004) & 0x20, "accessed bit on the PDE");
    }

    @Test
    void paePagingWith2MiBPagesAndWriteProtect() throws Exception {
        rig.gate32(14, GuestRig.CODE + 0x800, 0);
        rig.memory.writeLong(0x8000, 0xA000 | 1);
        rig.memory.writeLong(0xA000, 0x83);
        rig.memory.writeLong(0xA008, 0x200000 | 0x83);
        rig.memory.writeLong(0xA010, 0xB000 | 3);
        for (int k = 0; k < 512; k++) {
            rig.memory.writeLong(0xB000 + 8L * k, (0x400000L + 4096L * k) | 3);
        }
        rig.memory.writeLong(0xB000 + 8 * 3, 0x403000L | 1);
        rig.memory.writeLong(0x403010, 0x55aa);
        rig.loadCode("""
                .code32
                mov ecx, [0x403010]
                mov dword ptr [0x403010], 1
                hlt
                """ + PF32);
        rig.vcpu.setState(paged32(0x80010011L, 0x8000, 0x20, 0x800));
        VcpuState s = rig.runToHalt();
        assertReg(s, 1, 0x55aa);
        assertReg(s, 0, 0x403010);
        assertReg(s, 3, 3);
    }

    @Test
    void invlpgMakesANewMappingVisible() throws Exception {
        rig.memory.writeLong(0x3000 + 8 * 2, 0x7000 | 7);
        for (int k = 0; k < 512; k++) {
            rig.memory.writeLong(0x7000 + 8L * k, (0x400000L + 4096L * k) | 7);
        }
        rig.memory.writeLong(0x400000, 0x1111);
        rig.memory.writeLong(0x401000, 0x2222);
        VcpuState s = rig.run64("""
                mov rax, [0x400000]
                mov qword ptr [0x7000], 0x401007
                invlpg [0x400000]
                mov rbx, [0x400000]
                mov rcx, cr3
                mov cr3, rcx
                hlt
                """);
        assertReg(s, 0, 0x1111);
        assertReg(s, 3, 0x2222);
    }

    @Test
    void userPortAccessNeedsIoplOrTheTssBitmap() throws Exception {
        rig.gate64(13, GuestRig.CODE + 0x800, 0, 0);
        rig.gate64(0x80, GuestRig.CODE + 0x900, 3, 0);
        rig.loadCode("""
                mov al, 0x12
                in al, 0x80
                int 0x80
            .org 0x800
                pop rbx
                mov rcx, 0xdead
                hlt
            .org 0x900
                mov rcx, 0x900
                hlt
                """);
        // The bitmap starts past the TSS limit: no port is allowed.
        rig.memory.writeShort(GuestRig.TSS + 0x66, (short) 0x68);
        rig.vcpu.setState(user(0x67));
        VcpuState s = rig.runToHalt();
        assertReg(s, 1, 0xdead);
        assertReg(s, 3, 0);
        // Bitmap at TSS+0x68 within the limit: every port denied but 0x80.
        for (int k = 0; k < 0x20; k++) {
            rig.memory.writeByte(GuestRig.TSS + 0x68 + k, (byte) (k == 0x10 ? 0xfe : 0xff));
        }
        rig.vcpu.setState(user(0x68 + 0x20));
        s = rig.runToHalt();
        assertReg(s, 1, 0x900);
        assertEquals(0xff, GuestRig.reg(s, 0) & 0xff, "nobody claims port 0x80: all ones");
    }

    private static VcpuState user(int trLimit) {
        VcpuState k = GuestRig.longMode(GuestRig.CODE, null);
        SystemRegisters r = k.sregs();
        Segment cs = new Segment(GuestRig.UCODE, 0, -1, 0xa0fb);
        Segment ds = new Segment(GuestRig.UDATA, 0, -1, 0xc0f3);
        Segment tr = new Segment(GuestRig.TSS_SEL, GuestRig.TSS, trLimit, 0x8b);
        SystemRegisters u = new SystemRegisters(cs, ds, ds, ds, ds, ds, tr, r.ldt(), r.gdt(), r.idt(), r.cr0(), 0,
                r.cr3(), r.cr4(), 0, r.efer(), r.apicBase());
        long[] g = new long[16];
        g[4] = GuestRig.STACK - 0x100;
        return new VcpuState(new Registers(g, GuestRig.CODE, 0x202), u, k.msrs(), k.fpu(), new byte[0], false, false,
                false);
    }

    @Test
    void legacyFormsIn32BitMode() throws Exception {
        rig.loadCode("""
                .code32
                mov al, 0x38
                add al, 0x45
                daa
                mov bl, al
                mov ax, 0x0109
                add al, 5
                aaa
                mov [0x200100], ax
                mov eax, 0x11
                mov esi, 0x22
                pusha
                mov eax, 0
                mov esi, 0
                popa
                mov edx, esi
                push 0x18
                push offset 1f
                retf
            1:  mov edi, 0x200000
                mov ecx, 3
                mov eax, 0x41424344
                rep stosd
                mov esi, 0x200000
                lodsw
                mov ebp, eax
                hlt
                """);
        rig.vcpu.setState(GuestRig.protectedMode(GuestRig.CODE));
        VcpuState s = rig.runToHalt();
        assertEquals(0x83, GuestRig.reg(s, 3) & 0xff, "DAA");
        assertEquals(0x0204, rig.memory.readShort(0x200100) & 0xffff, "AAA");
        assertReg(s, 2, 0x22);
        assertEquals(0x4344, GuestRig.reg(s, 5) & 0xffff);
        assertEquals(0x41424344, rig.memory.readInt(0x200008));
    }

    @Test
    void sixteenBitAddressingInRealMode() throws Exception {
        rig.load(0x8000, GuestRig.assemble("""
                .code16
                mov ax, 0x2000
                mov ds, ax
                mov bx, 0x10
                mov si, 0x4
                mov word ptr [bx + si + 2], 0x1234
                mov cx, [bx + si + 2]
                mov es, ax
                mov di, 0x100
                mov al, 0x77
                mov cx, 4
                rep stosb
                mov dx, es:[0x102]
                hlt
                """));
        rig.vcpu.setState(GuestRig.realMode(0x800, 0));
        VcpuState s = rig.runToHalt();
        assertEquals(0x1234, rig.memory.readShort(0x20016) & 0xffff);
        assertEquals(0x7777, GuestRig.reg(s, 2) & 0xffff);
    }
}
