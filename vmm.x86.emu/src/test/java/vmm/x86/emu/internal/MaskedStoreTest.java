package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MASKMOVDQU and MASKMOVQ (SSE2/SSE, both advertised) store the bytes whose mask byte has its
 * top bit set at DS:rDI, leaving the others untouched: the FPU unit reaches rDI through the core.
 */
class MaskedStoreTest {
    static final long DATA = 0x300000;
    static GuestRig rig;

    @BeforeAll
    static void setUp() throws Exception {
        rig = new GuestRig();
    }

    @AfterAll
    static void tearDown() {
        rig.close();
    }

    @Test
    void maskmovdquWritesOnlySelectedBytes() throws Exception {
        for (int k = 0; k < 16; k++) {
            rig.memory.writeByte(DATA + k, (byte) 0xee);
        }
        rig.run64("""
                mov rax, 0x0807060504030201
                movq xmm0, rax
                mov rax, 0x100f0e0d0c0b0a09
                movq xmm2, rax
                punpcklqdq xmm0, xmm2
                mov rax, 0x0000ff000080ff00
                movq xmm1, rax
                mov rax, 0x8000000000000080
                movq xmm3, rax
                punpcklqdq xmm1, xmm3
                mov rdi, 0x300000
                maskmovdqu xmm0, xmm1
                mov rdi, 0x300010
                mov rax, 0x1112131415161718
                movq mm0, rax
                mov rax, 0x80
                movq mm1, rax
                maskmovq mm0, mm1
                hlt
                """);
        // mask bytes 1, 2 (0x80), 5 (0xff) in the low half; 8 and 15 in the high half.
        long low = rig.memory.readLong(DATA);
        long high = rig.memory.readLong(DATA + 8);
        assertEquals(0xeeee06eeee0302eeL, low);
        assertEquals(0x10eeeeeeeeeeee09L, high);
        assertEquals((byte) 0x18, rig.memory.readByte(DATA + 0x10), "MASKMOVQ stores byte 0");
        assertEquals(0, rig.memory.readByte(DATA + 0x11), "and nothing else");
    }
}
