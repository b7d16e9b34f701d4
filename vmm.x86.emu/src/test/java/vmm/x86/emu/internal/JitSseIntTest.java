package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The inline shifts by immediate, PSHUFB and the byte/word/dword unpacks of translated code against
 * the interpreter ({@link JitSseTest#agree}): every shift on every count that matters (0, within the
 * lane, the lane's width and beyond, up to 255) over a table of edge values, PSHUFB with masks
 * whose bytes have the top bit set or junk in bits 4-6, every unpack from registers (high ones
 * included) and aligned memory, misaligned memory operands raising #GP and CR0.TS raising #NM at
 * the faulting instruction; and a BLAKE2s-style round loop as the kernel's blake2s_compress_ssse3
 * runs it.
 */
class JitSseIntTest {
    private static final int[] COUNTS = {0, 1, 3, 7, 8, 9, 12, 15, 16, 17, 20, 24, 25, 31, 32, 33, 48, 63, 64, 65,
        127, 128, 255};
    private static final String[] SHIFTS = {"psrlw", "psraw", "psllw", "psrld", "psrad", "pslld", "psrlq", "psllq",
        "psrldq", "pslldq"};
    private static final String[] UNPACKS = {"punpcklbw", "punpcklwd", "punpckldq", "punpckhbw", "punpckhwd",
        "punpckhdq"};
    private static final String FOLD = "pshufd xmm15, xmm15, 0x39\n paddd xmm15, %s\n";

    /**
     * 32 quadword pairs: signs, all ones, lane boundaries, PSHUFB masks with bit 7 or bits 4-6 set, the
     * rotation and byte-swap masks PSHUFB special-cases and a mix of two of them.
     */
    private static long[] table() {
        long[] t = {
            0, 0, -1, -1, 0x8000000080000000L, 0x8000800080008000L, 0x7fffffff7fffffffL, 0x7fff7fff7fff7fffL,
            0x0504070601000302L, 0x0d0c0f0e09080b0aL, 0x0407060500030201L, 0x0c0f0e0d080b0a09L,
            0x8081ff7f10203040L, 0xf0e0d0c0b0a09080L, 0x0f1e2d3c4b5a6978L, 0x8796a5b4c3d2e1f0L,
            0x0123456789abcdefL, 0xfedcba9876543210L, 0x0000000100000001L, 0x8000000000000000L,
            0x08090a0b0c0d0e0fL, 0x0001020304050607L, 0x0504070601000302L, 0x0c0f0e0d080b0a09L,
        };
        long[] out = new long[64];
        System.arraycopy(t, 0, out, 0, t.length);
        long x = 88172645463325252L;
        for (int k = t.length; k < out.length; k++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            // Every fourth random value has some bytes' top bits set: PSHUFB zeroes those.
            out[k] = k % 4 == 0 ? x | 0x8000800000800080L : x;
        }
        return out;
    }

    private static String program() {
        StringBuilder shifts = new StringBuilder();
        int n = 0;
        for (String op : SHIFTS) {
            for (int c : COUNTS) {
                String r = n++ % 2 == 0 ? "xmm3" : "xmm10";
                shifts.append("movdqa ").append(r).append(", xmm1\n ").append(op).append(' ').append(r).append(", ")
                        .append(c).append('\n').append(FOLD.formatted(r));
            }
        }
        StringBuilder unpacks = new StringBuilder();
        for (String op : UNPACKS) {
            unpacks.append("movdqa xmm4, xmm1\n ").append(op).append(" xmm4, xmm2\n").append(FOLD.formatted("xmm4"));
            unpacks.append("movdqa xmm11, xmm2\n ").append(op).append(" xmm11, xmm9\n").append(FOLD.formatted("xmm11"));
            unpacks.append("movdqa xmm5, xmm2\n ").append(op).append(" xmm5, [rdi+0x3000+rbx]\n")
                    .append(FOLD.formatted("xmm5"));
            // Misaligned every other pair: #GP, which skips to the label in r10.
            unpacks.append("lea r10, [rip+3f]\n ").append(op).append(" xmm5, [rdi+0x3000+rsi]\n3: ")
                    .append(FOLD.formatted("xmm5"));
        }
        return """
                    mov edi, 0x200000
                    pxor xmm15, xmm15
                    xor r12d, r12d
                1:  mov rbx, r12
                    shl rbx, 4
                    movdqa xmm1, [rdi+0x3000+rbx]
                SHIFTS
                    xor r13d, r13d
                2:  mov rdx, r13
                    shl rdx, 4
                    mov esi, r13d
                    and esi, 1
                    shl esi, 3
                    add rsi, rdx
                    movdqa xmm2, [rdi+0x3000+rdx]
                    movdqa xmm9, xmm1
                    movdqa xmm3, xmm1
                    pshufb xmm3, xmm2
                    FOLD3
                    movdqa xmm12, xmm2
                    pshufb xmm12, xmm9
                    FOLD12
                    movdqa xmm13, xmm1
                    cmp r13d, 7
                    jne 3f
                    mov rax, cr0
                    or rax, 8
                    mov cr0, rax
                3:  pshufb xmm13, [rdi+0x3000+rdx]
                    FOLD13
                    lea r10, [rip+3f]
                    pshufb xmm13, [rdi+0x3000+rsi]
                3:  FOLD13
                UNPACKS
                    inc r13
                    cmp r13, 32
                    jb 2b
                    inc r12
                    cmp r12, 32
                    jb 1b
                    movdqu [rdi+0x100], xmm15
                    movdqu [rdi+0x110], xmm3
                    movdqu [rdi+0x120], xmm4
                    movdqu [rdi+0x130], xmm5
                    movdqu [rdi+0x140], xmm10
                    movdqu [rdi+0x150], xmm11
                    movdqu [rdi+0x160], xmm12
                    movdqu [rdi+0x170], xmm13
                    hlt
                .org 0x1900
                    inc r11
                    clts
                    iretq
                .org 0x1a00
                    inc r14
                    push rax
                    mov rax, [rsp+16]
                    add r15, rax
                    pop rax
                    add rsp, 8
                    mov [rsp], r10
                    iretq
                """.replace("SHIFTS", shifts).replace("UNPACKS", unpacks)
                .replace("FOLD3", FOLD.formatted("xmm3")).replace("FOLD12", FOLD.formatted("xmm12"))
                .replace("FOLD13", FOLD.formatted("xmm13"));
    }

    private static void setup(GuestRig rig) {
        long[] t = table();
        for (int k = 0; k < t.length; k++) {
            rig.memory.writeLong(GuestRig.DATA + 0x3000 + 8L * k, t[k]);
        }
        rig.gate64(7, GuestRig.CODE + 0x1900, 0, 0);
        rig.gate64(13, GuestRig.CODE + 0x1a00, 0, 0);
    }

    @Test
    void shiftsShufflesAndUnpacksOnEdgeDataAgree() throws Exception {
        JitSseTest.Result r = JitSseTest.agree(program(), JitSseIntTest::setup);
        assertEquals(32, r.reg(12), "the table loops ran to their end");
        assertEquals(32, r.reg(11), "#NM: one per row, from PSHUFB");
        assertEquals(7 * 16 * 32, r.reg(14), "#GP: PSHUFB and six unpacks from a misaligned operand every other pair");
        assertNotEquals(0, r.data(0x100 / 8), "the fold saw the results");
        assertTrue(r.fallbacks() >= r.reg(14) + r.reg(11), "the faulting forms went to their handlers: " + r.fallbacks());
    }

    /**
     * The round loop of blake2s_compress_ssse3 (arch/x86/crypto/blake2s-core.S): message words
     * gathered by MOVD through a schedule of byte indices, PUNPCKLDQ/PUNPCKLQDQ, PADDD, PXOR, the
     * rotations by 16 and 8 as PSHUFB with constant masks and by 12 and 7 as PSRLD/PSLLD/POR, the
     * diagonalisation by PSHUFD; 10 rounds per block, each block's result fed into the next one's
     * message. Every SSE instruction of the loop runs inline: no fast path falls back.
     */
    @Test
    void blake2sRoundLoopAgreesAndRunsInline() throws Exception {
        JitSseTest.Result r = JitSseTest.agree(blake2sProgram(300), JitSseIntTest::blake2sSetup);
        assertEquals(0, r.reg(8), "every block ran");
        assertEquals(0, r.fallbacks(), "SSE forms that ran their handler");
        assertNotEquals(0, r.data(0), "the state was stored");
    }

    /** The round loop over {@code blocks} blocks of 10 rounds (about 900 instructions a block). */
    static String blake2sProgram(long blocks) {
        String g = """
                    movzx eax, byte ptr [rcx+K0]
                    movd xmm4, [rsi+rax*4]
                    movzx eax, byte ptr [rcx+K1]
                    movd xmm5, [rsi+rax*4]
                    movzx eax, byte ptr [rcx+K2]
                    movd xmm6, [rsi+rax*4]
                    movzx eax, byte ptr [rcx+K3]
                    movd xmm7, [rsi+rax*4]
                    punpckldq xmm4, xmm5
                    punpckldq xmm6, xmm7
                    punpcklqdq xmm4, xmm6
                    paddd xmm0, xmm4
                    paddd xmm0, xmm1
                    pxor xmm3, xmm0
                    pshufb xmm3, ROTA
                    paddd xmm2, xmm3
                    pxor xmm1, xmm2
                    movdqa xmm8, xmm1
                    psrld xmm1, SR
                    pslld xmm8, SL
                    por xmm1, xmm8
                """;
        String half = g.replace("ROTA", "xmm12").replace("SR", "12").replace("SL", "20")
                + g.replace("ROTA", "xmm13").replace("SR", "7").replace("SL", "25")
                .replace("K0", "K4").replace("K1", "K5").replace("K2", "K6").replace("K3", "K7");
        String round = half.replace("K4", "4").replace("K5", "5").replace("K6", "6").replace("K7", "7")
                .replace("K0", "0").replace("K1", "1").replace("K2", "2").replace("K3", "3")
                + " pshufd xmm0, xmm0, 0x93\n pshufd xmm3, xmm3, 0x4e\n pshufd xmm2, xmm2, 0x39\n"
                + half.replace("K4", "12").replace("K5", "13").replace("K6", "14").replace("K7", "15")
                .replace("K0", "8").replace("K1", "9").replace("K2", "10").replace("K3", "11")
                + " pshufd xmm0, xmm0, 0x39\n pshufd xmm3, xmm3, 0x4e\n pshufd xmm2, xmm2, 0x93\n";
        return """
                    mov edi, 0x200000
                    movdqa xmm12, [rdi+0x400]
                    movdqa xmm13, [rdi+0x410]
                    movdqa xmm0, [rdi+0x420]
                    movdqa xmm1, [rdi+0x430]
                    movdqa xmm2, [rdi+0x440]
                    movdqa xmm3, [rdi+0x450]
                    lea rsi, [rdi+0x600]
                    mov r8, BLOCKS
                0:  lea rcx, [rdi+0x500]
                    mov r9d, 10
                1:
                ROUND
                    add rcx, 16
                    dec r9d
                    jnz 1b
                    pxor xmm0, xmm2
                    pxor xmm1, xmm3
                    movdqa [rsi], xmm0
                    movdqa [rsi+16], xmm1
                    movdqa [rsi+32], xmm2
                    dec r8
                    jnz 0b
                    movdqu [rdi], xmm0
                    movdqu [rdi+16], xmm1
                    movdqu [rdi+32], xmm2
                    movdqu [rdi+48], xmm3
                    hlt
                """.replace("ROUND", round).replace("BLOCKS", Long.toString(blocks));
    }

    /** The rotation masks, the initial state, the message schedule and the message. */
    static void blake2sSetup(GuestRig rig) {
        rig.memory.writeLong(GuestRig.DATA + 0x400, 0x0504070601000302L);
        rig.memory.writeLong(GuestRig.DATA + 0x408, 0x0d0c0f0e09080b0aL);
        rig.memory.writeLong(GuestRig.DATA + 0x410, 0x0407060500030201L);
        rig.memory.writeLong(GuestRig.DATA + 0x418, 0x0c0f0e0d080b0a09L);
        long[] iv = {0x6a09e667bb67ae85L, 0x3c6ef372a54ff53aL, 0x510e527f9b05688cL, 0x1f83d9ab5be0cd19L};
        for (int k = 0; k < 4; k++) {
            rig.memory.writeLong(GuestRig.DATA + 0x420 + 16L * k, iv[k]);
            rig.memory.writeLong(GuestRig.DATA + 0x428 + 16L * k, iv[3 - k] ^ 0x9e3779b97f4a7c15L);
        }
        int[][] sigma = {
            {0, 2, 4, 6, 1, 3, 5, 7, 14, 8, 10, 12, 15, 9, 11, 13},
            {14, 4, 9, 13, 10, 8, 15, 6, 5, 1, 0, 11, 3, 12, 2, 7},
            {11, 12, 5, 15, 8, 0, 2, 13, 9, 10, 3, 7, 4, 14, 6, 1},
            {7, 3, 13, 11, 9, 1, 12, 14, 15, 2, 5, 4, 8, 6, 10, 0},
            {9, 5, 2, 10, 0, 7, 4, 15, 3, 14, 11, 6, 13, 1, 12, 8},
            {2, 6, 0, 8, 12, 10, 11, 3, 1, 4, 7, 15, 9, 13, 5, 14},
            {12, 1, 14, 4, 5, 15, 13, 10, 8, 0, 6, 9, 11, 7, 3, 2},
            {13, 7, 12, 3, 11, 14, 1, 9, 2, 5, 15, 8, 10, 0, 4, 6},
            {6, 14, 11, 0, 15, 9, 3, 8, 10, 12, 13, 1, 5, 2, 7, 4},
            {10, 8, 7, 1, 2, 4, 6, 5, 13, 15, 9, 3, 12, 0, 14, 11},
        };
        for (int k = 0; k < 160; k++) {
            rig.memory.writeByte(GuestRig.DATA + 0x500 + k, (byte) sigma[k / 16][k % 16]);
        }
        for (int k = 0; k < 16; k++) {
            rig.memory.writeInt(GuestRig.DATA + 0x600 + 4L * k, 0x01010101 * k ^ 0x5a5a0000);
        }
    }
}
