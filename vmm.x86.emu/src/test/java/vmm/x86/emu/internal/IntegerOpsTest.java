package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static vmm.x86.emu.internal.GuestRig.assertReg;
import static vmm.x86.emu.internal.GuestRig.reg;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.VcpuState;

/** The integer instruction families in 64-bit mode, results and flags checked. */
class IntegerOpsTest {
    static GuestRig rig;

    @BeforeAll
    static void setUp() throws Exception {
        rig = new GuestRig();
    }

    @AfterAll
    static void tearDown() {
        rig.close();
    }

    private static long flags(VcpuState s) {
        return s.regs().rflags() & 0x8d5;
    }

    @Test
    void addFlags() throws Exception {
        VcpuState s = rig.run64("""
                mov al, 0x7f
                add al, 1
                hlt
                """);
        assertReg(s, 0, 0x80);
        assertEquals(0x890, flags(s), "OF SF AF");
    }

    @Test
    void subBorrowAndCompare() throws Exception {
        VcpuState s = rig.run64("""
                mov eax, 1
                sub eax, 2
                setc bl
                sets cl
                cmp eax, -1
                setz dl
                mov esi, 5
                cmp esi, 7
                setl dil
                setb r8b
                seta r9b
                hlt
                """);
        assertReg(s, 0, 0xffffffffL);
        assertReg(s, 3, 1);
        assertReg(s, 1, 1);
        assertReg(s, 2, 1);
        assertReg(s, 7, 1);
        assertReg(s, 8, 1);
        assertReg(s, 9, 0);
    }

    @Test
    void adcSbbIncDec() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, -1
                add rax, 1
                mov rbx, 10
                adc rbx, 5
                stc
                mov rcx, 10
                sbb rcx, 3
                stc
                inc rdx
                setc sil
                dec rdx
                setz dil
                hlt
                """);
        assertReg(s, 0, 0);
        assertReg(s, 3, 16);
        assertReg(s, 1, 6);
        assertReg(s, 6, 1);
        assertReg(s, 7, 1);
    }

    @Test
    void logicNotNeg() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, 0xf0f0
                and rax, 0xff00
                mov rbx, 0x0f
                or rbx, 0x30
                mov rcx, 0xff
                xor rcx, 0x0f
                mov rdx, 5
                neg rdx
                setc sil
                mov rdi, 0
                not rdi
                test rdi, rdi
                sets r8b
                hlt
                """);
        assertReg(s, 0, 0xf000);
        assertReg(s, 3, 0x3f);
        assertReg(s, 1, 0xf0);
        assertReg(s, 2, -5);
        assertReg(s, 6, 1);
        assertReg(s, 7, -1);
        assertReg(s, 8, 1);
    }

    @Test
    void byteRegistersAndPartialWrites() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, 0x1122334455667788
                mov ah, 0xaa
                mov rbx, 0x1122334455667788
                mov bx, 0x1234
                mov rcx, 0x1122334455667788
                mov ecx, 0x1234
                mov rdx, 0x1122334455667788
                mov sil, 0x99
                mov r9, 0xffffffffffffffff
                mov r9b, 0
                hlt
                """);
        assertReg(s, 0, 0x112233445566aa88L);
        assertReg(s, 3, 0x1122334455661234L);
        assertReg(s, 1, 0x1234);
        assertReg(s, 9, 0xffffffffffffff00L);
    }

    @Test
    void multiplyAndDivide() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, 0x100000000
                mov rbx, 0x100000000
                mul rbx
                mov r8, rax
                mov r9, rdx
                mov rax, -7
                cqo
                mov rcx, 2
                idiv rcx
                mov r10, rax
                mov r11, rdx
                mov eax, 100
                xor edx, edx
                mov ecx, 7
                div ecx
                mov r12, rax
                mov r13, rdx
                mov rax, -3
                imul rax, rax, 5
                mov r14, rax
                mov ax, 300
                mov cl, 3
                imul cl
                mov r15, rax
                hlt
                """);
        assertReg(s, 8, 0);
        assertReg(s, 9, 1);
        assertReg(s, 10, -3);
        assertReg(s, 11, -1);
        assertReg(s, 12, 14);
        assertReg(s, 13, 2);
        assertReg(s, 14, -15);
        assertEquals(0x84, reg(s, 15) & 0xffff);
    }

    @Test
    void divide128() throws Exception {
        VcpuState s = rig.run64("""
                mov rdx, 1
                mov rax, 0
                mov rcx, 2
                div rcx
                hlt
                """);
        assertReg(s, 0, 0x8000000000000000L);
        assertReg(s, 2, 0);
    }

    @Test
    void shiftsAndRotates() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, 0x81
                shl al, 1
                setc bl
                mov rcx, 0x80000000
                sar ecx, 4
                mov rdx, -16
                shr rdx, 60
                mov rsi, 0x8000000000000001
                rol rsi, 1
                mov rdi, 1
                ror rdi, 1
                mov r8, 0
                stc
                rcl r8, 1
                mov r9, 1
                clc
                rcr r9, 1
                setc r10b
                mov r11, 0x1234
                mov r12, 0xabcd000000000000
                shld r11, r12, 16
                mov r13, 0x1234
                mov r14, 0xabcd
                shrd r13, r14, 8
                hlt
                """);
        assertReg(s, 0, 0x02);
        assertReg(s, 3, 1);
        assertReg(s, 1, 0xf8000000L);
        assertReg(s, 2, 0xf);
        assertReg(s, 6, 3);
        assertReg(s, 7, 0x8000000000000000L);
        assertReg(s, 8, 1);
        assertReg(s, 9, 0);
        assertReg(s, 10, 1);
        assertReg(s, 11, 0x1234abcdL);
        assertReg(s, 13, 0xcd00000000000012L);
    }

    @Test
    void bitOps() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, 0x10
                bt rax, 4
                setc bl
                bts rax, 0
                btr rax, 4
                btc rax, 63
                mov rcx, 0x8000
                bsf rdx, rcx
                bsr rsi, rcx
                mov rdi, 0x200000
                mov qword ptr [rdi], 0
                mov r8, 100
                bts qword ptr [rdi], r8
                mov r9, [rdi + 8]
                mov r10, 0x11223344
                bswap r10d
                hlt
                """);
        assertReg(s, 3, 1);
        assertReg(s, 0, 0x8000000000000001L);
        assertReg(s, 2, 15);
        assertReg(s, 6, 15);
        assertReg(s, 9, 1L << 36);
        assertReg(s, 10, 0x44332211L);
    }

    @Test
    void extendsAndConversions() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, 0x80
                movsx rbx, al
                movzx rcx, al
                mov edx, 0x80000000
                movsxd rsi, edx
                mov rax, 0xff
                cbw
                mov rdi, rax
                mov eax, 0x80000000
                cdqe
                mov r8, rax
                cqo
                mov r9, rdx
                hlt
                """);
        assertReg(s, 3, -128);
        assertReg(s, 1, 0x80);
        assertReg(s, 6, 0xffffffff80000000L);
        assertEquals(0xffff, reg(s, 7) & 0xffff);
        assertReg(s, 8, 0xffffffff80000000L);
        assertReg(s, 9, -1);
    }

    @Test
    void stackCallsAndLoops() throws Exception {
        VcpuState s = rig.run64("""
                mov rcx, 10
                xor rax, rax
            1:  add rax, rcx
                loop 1b
                push 0x55
                pop rbx
                call 2f
                jmp 3f
            2:  mov rdx, 0x77
                ret
            3:  pushfq
                pop rsi
                enter 16, 0
                mov rdi, rsp
                leave
                mov r8, rsp
                xor rcx, rcx
                jrcxz 4f
                mov r9, 1
            4:  hlt
                """);
        assertReg(s, 0, 55);
        assertReg(s, 3, 0x55);
        assertReg(s, 2, 0x77);
        assertEquals(2, reg(s, 6) & 2);
        assertReg(s, 7, GuestRig.STACK - 8 - 16);
        assertReg(s, 8, GuestRig.STACK);
        assertReg(s, 9, 0);
    }

    @Test
    void stringOps() throws Exception {
        VcpuState s = rig.run64("""
                mov rdi, 0x200000
                mov rcx, 100
                mov al, 0x5a
                cld
                rep stosb
                mov rsi, 0x200000
                mov rdi, 0x201000
                mov rcx, 25
                rep movsd
                mov rsi, 0x200000
                mov rdi, 0x201000
                mov rcx, 100
                repe cmpsb
                mov rbx, rcx
                mov rdi, 0x200000
                mov rcx, 200
                mov al, 0
                repne scasb
                mov rdx, rcx
                mov rsi, 0x201000
                lodsw
                hlt
                """);
        assertReg(s, 3, 0);
        assertReg(s, 2, 99);
        assertEquals(0x5a5a, reg(s, 0) & 0xffff);
    }

    @Test
    void longAndOverlappingRepeatedMoves() throws Exception {
        VcpuState s = rig.run64("""
                mov rdi, 0x200000
                mov rcx, 3000
                mov rax, 0x0102030405060708
                rep stosq
                mov rsi, 0x200000
                mov rdi, 0x210003
                mov rcx, 24000
                rep movsb
                mov byte ptr [0x220000], 0x5a
                mov rsi, 0x220000
                mov rdi, 0x220001
                mov rcx, 5000
                rep movsb
                mov rbx, [0x210003 + 23992]
                mov rdx, [0x220000 + 4992]
                hlt
                """);
        assertReg(s, 3, 0x0102030405060708L);
        assertReg(s, 2, 0x5a5a5a5a5a5a5a5aL);
        assertReg(s, 1, 0);
        assertReg(s, 7, 0x220001 + 5000);
    }

    @Test
    void backwardRepeatedMovesAndStores() throws Exception {
        // DF set: a 14 000-qword copy up onto itself shifted by 3 (a memmove, as the boot stub's
        // std; rep movsq), a byte copy down onto itself shifted by 1 (the element-by-element
        // pattern, which a memmove would not give), and a backward store.
        VcpuState s = rig.run64("""
                mov rdi, 0x300000
                mov rcx, 14003
                xor eax, eax
                cld
                fill:
                mov [rdi], rax
                add rdi, 8
                inc rax
                loop fill
                std
                mov rsi, 0x300000 + 8 * 13999
                mov rdi, 0x300003 + 8 * 13999
                mov rcx, 14000
                rep movsq
                mov rbx, [0x300003 + 8 * 13999]
                mov rdx, [0x300003 + 8 * 5000]
                mov byte ptr [0x340fff], 0x77
                mov rsi, 0x340fff
                mov rdi, 0x340ffe
                mov rcx, 5000
                rep movsb
                mov r8, [0x340ff8]
                mov rdi, 0x350ff8
                mov rcx, 1000
                mov rax, 0x1122334455667788
                rep stosq
                mov r9, [0x350ff8 - 8 * 999]
                mov r10, rdi
                cld
                hlt
                """);
        assertReg(s, 3, 13999);
        assertReg(s, 2, 5000);
        assertReg(s, 8, 0x7777777777777777L);
        assertReg(s, 9, 0x1122334455667788L);
        assertReg(s, 10, 0x350ff8 - 8 * 1000);
        assertReg(s, 6, 0x340fff - 5000);
    }

    @Test
    void exchangeAndCompareExchange() throws Exception {
        VcpuState s = rig.run64("""
                mov rdi, 0x200000
                mov qword ptr [rdi], 5
                mov rax, 5
                mov rbx, 9
                lock cmpxchg [rdi], rbx
                setz r13b
                mov rax, 1
                cmpxchg [rdi], rbx
                mov rdx, rax
                mov rsi, 3
                lock xadd [rdi], rsi
                mov r8, [rdi]
                mov r9, 42
                xchg [rdi], r9
                mov r10, [rdi]
                mov eax, 42
                xor edx, edx
                mov ebx, 0x10
                mov ecx, 0x20
                mov r11, rdx
                lock cmpxchg8b [rdi]
                mov r12, [rdi]
                hlt
                """);
        assertReg(s, 13, 1);
        assertReg(s, 6, 9);
        assertReg(s, 8, 12);
        assertReg(s, 9, 12);
        assertReg(s, 10, 42);
        assertReg(s, 12, 0x0000002000000010L);
    }

    @Test
    void cmovAndLahf() throws Exception {
        VcpuState s = rig.run64("""
                mov rax, 1
                mov rbx, 2
                mov rcx, -1
                cmp rax, rbx
                cmovl rcx, rbx
                mov rdx, 0xffffffffffffffff
                cmovg edx, eax
                stc
                lahf
                mov esi, eax
                shr esi, 8
                mov ah, 0x40
                sahf
                setz dil
                hlt
                """);
        assertReg(s, 1, 2);
        assertReg(s, 2, 0xffffffffL);
        assertEquals(1, reg(s, 6) & 1);
        assertReg(s, 7, 1);
    }

    @Test
    void accessesCrossingAPageTouchOnlyTheirBytes() throws Exception {
        VcpuState s = rig.run64("""
                mov rdi, 0x200ff0
                mov rax, -1
                mov [rdi], rax
                mov [rdi + 8], rax
                mov [rdi + 16], rax
                mov [rdi + 24], rax
                mov rax, 0x1122334455667788
                mov [rdi + 13], rax
                mov rbx, [rdi + 13]
                mov rcx, [rdi + 8]
                mov rdx, [rdi + 16]
                mov esi, [rdi + 14]
                hlt
                """);
        assertReg(s, 3, 0x1122334455667788L);
        assertReg(s, 1, 0x667788ffffffffffL);
        assertReg(s, 2, 0xffffff1122334455L);
        assertReg(s, 6, 0x44556677L);
    }

    @Test
    void ripRelativeAndSib() throws Exception {
        VcpuState s = rig.run64("""
                lea rax, [rip + data]
                mov rbx, [rip + data]
                mov rcx, 2
                mov rdx, [rax + rcx*8 - 8]
                hlt
            data:
                .quad 0x1111
                .quad 0x2222
                """);
        assertReg(s, 0, GuestRig.CODE + 27);
        assertReg(s, 3, 0x1111);
        assertReg(s, 2, 0x2222);
    }
}
