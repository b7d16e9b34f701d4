package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static vmm.x86.emu.internal.GuestRig.assertReg;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.VcpuState;

/**
 * Accesses that cross a page whose neighbour lives in another, non-adjacent frame (as a kernel
 * stack in vmalloc space does): each part must touch only its own frame. Linux's printk text
 * was corrupted when the first part of such a write spilled 8 bytes into the frame after it.
 */
class PageCrossingTest {
    static final long LIN = 0x40000000L, FRAME0 = 0x300000, FRAME1 = 0x500000;
    static GuestRig rig;

    @BeforeAll
    static void setUp() throws Exception {
        rig = new GuestRig();
        // PDPT[1] -> PD at 0x8000, PD[0] -> PT at 0x9000; two 4 KiB pages in frames far apart.
        rig.memory.writeLong(0x2000 + 8, 0x8000 | 7);
        rig.memory.writeLong(0x8000, 0x9000 | 7);
        rig.memory.writeLong(0x9000, FRAME0 | 7);
        rig.memory.writeLong(0x9008, FRAME1 | 7);
    }

    @AfterAll
    static void tearDown() {
        rig.close();
    }

    @Test
    void writeAndReadAcrossNonAdjacentFrames() throws Exception {
        for (int k = 0; k < 16; k++) {
            rig.memory.writeByte(FRAME0 + 0x1000 + k, (byte) 0xaa);
            rig.memory.writeByte(FRAME1 + k, (byte) 0x55);
            rig.memory.writeByte(FRAME1 + 0x1000 + k, (byte) 0x66);
        }
        VcpuState s = rig.run64("""
                mov rdi, 0x40000ffd
                mov rax, 0x1122334455667788
                mov [rdi], rax
                mov rbx, [rdi]
                mov ecx, [rdi+1]
                hlt
                """);
        assertReg(s, 3, 0x1122334455667788L);
        assertReg(s, 1, 0x44556677L);
        assertEquals(0x66778800, rig.memory.readInt(FRAME0 + 0xffc), "the first frame holds the low bytes");
        assertEquals(0x1122334455L, rig.memory.readLong(FRAME1) & 0xffffffffffL, "the second frame the high bytes");
        assertEquals((byte) 0x55, rig.memory.readByte(FRAME1 + 5), "nothing past the access");
        for (int k = 0; k < 16; k++) {
            assertEquals((byte) 0xaa, rig.memory.readByte(FRAME0 + 0x1000 + k), "the frame after the first one is untouched");
        }
    }
}
