package vmm.kvm.driver.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * kvm_run images written byte by byte at the offsets linux/kvm.h gives them on x86-64
 * (literal numbers here, not the driver's layout, so a layout slip cannot cancel itself out).
 */
class VcpuExitDecoderTest {
    /** struct kvm_run: exit_reason at 8, the exit union at 32. */
    private static final long EXIT_REASON = 8;
    private static final long U = 32;

    private final Arena arena = Arena.ofConfined();
    /** A whole vCPU mapping: kvm_run, then the PIO data page at 4096. */
    private final MemorySegment run = arena.allocate(3 * 4096, 4096);

    @AfterEach
    void free() {
        arena.close();
    }

    private VcpuExit decode(int reason) {
        run.set(JAVA_INT, EXIT_REASON, reason);
        return VcpuExitDecoder.decode(run);
    }

    @Test
    void ioOutWithItsDataInThePioPage() {
        run.set(JAVA_BYTE, U, (byte) 1);            // direction OUT
        run.set(JAVA_BYTE, U + 1, (byte) 2);        // size
        run.set(JAVA_SHORT, U + 2, (short) 0xcf8);  // port
        run.set(JAVA_INT, U + 4, 3);                // count
        run.set(JAVA_LONG, U + 8, 4096);            // data_offset
        run.set(JAVA_SHORT, 4096, (short) 0x1234);

        VcpuExit exit = decode(2);

        assertEquals(new VcpuExit.Io(VcpuExit.Io.OUT, 2, 0xcf8, 3, 4096), exit);
        assertTrue(((VcpuExit.Io) exit).isOut());
    }

    @Test
    void ioInOnAHighPortIsUnsigned() {
        run.set(JAVA_BYTE, U, (byte) 0);
        run.set(JAVA_BYTE, U + 1, (byte) 4);
        run.set(JAVA_SHORT, U + 2, (short) 0xfffc);
        run.set(JAVA_INT, U + 4, 1);
        run.set(JAVA_LONG, U + 8, 4096);

        assertEquals(new VcpuExit.Io(VcpuExit.Io.IN, 4, 0xfffc, 1, 4096), decode(2));
    }

    @Test
    void mmioWriteCarriesExactlyLenBytes() {
        run.set(JAVA_LONG, U, 0xfee000b0L);                      // phys_addr
        MemorySegment.copy(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 0, run, JAVA_BYTE, U + 8, 8); // data
        run.set(JAVA_INT, U + 16, 4);                            // len
        run.set(JAVA_BYTE, U + 20, (byte) 1);                    // is_write

        VcpuExit.Mmio mmio = (VcpuExit.Mmio) decode(6);

        assertEquals(0xfee000b0L, mmio.physAddr());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, mmio.data());
        assertEquals(4, mmio.len());
        assertTrue(mmio.isWrite());
        assertEquals(new VcpuExit.Mmio(0xfee000b0L, new byte[] {1, 2, 3, 4}, 4, true), mmio);
    }

    @Test
    void mmioRead() {
        run.set(JAVA_LONG, U, 0xd0000000L);
        run.set(JAVA_INT, U + 16, 8);
        run.set(JAVA_BYTE, U + 20, (byte) 0);

        VcpuExit.Mmio mmio = (VcpuExit.Mmio) decode(6);

        assertFalse(mmio.isWrite());
        assertEquals(8, mmio.data().length);
        assertEquals("Mmio[physAddr=0xd0000000, data=0000000000000000, len=8, isWrite=false]", mmio.toString());
    }

    @Test
    void mmioWithACorruptLengthStaysInsideTheUnion() {
        run.set(JAVA_INT, U + 16, 1000);
        VcpuExit.Mmio mmio = (VcpuExit.Mmio) decode(6);
        assertEquals(8, mmio.data().length);
        assertEquals(1000, mmio.len());
    }

    @Test
    void exitsWithoutPayload() {
        assertEquals(new VcpuExit.Hlt(), decode(5));
        assertEquals(new VcpuExit.Shutdown(), decode(8));
        assertEquals(new VcpuExit.IrqWindowOpen(), decode(7));
        assertEquals(new VcpuExit.Intr(), decode(10));
    }

    @Test
    void internalErrorWithItsData() {
        run.set(JAVA_INT, U, 1);       // suberror: emulation failure
        run.set(JAVA_INT, U + 4, 3);   // ndata
        run.set(JAVA_LONG, U + 8, 0x1L);
        run.set(JAVA_LONG, U + 16, 0xcc90L);
        run.set(JAVA_LONG, U + 24, 0xffffffff81000000L);

        VcpuExit exit = decode(17);

        assertEquals(new VcpuExit.InternalError(1, new long[] {0x1, 0xcc90, 0xffffffff81000000L}), exit);
        assertEquals("InternalError[suberror=1, data=[0x1, 0xcc90, 0xffffffff81000000]]", exit.toString());
    }

    @Test
    void internalErrorNdataIsBoundedBySixteen() {
        run.set(JAVA_INT, U, 3);
        run.set(JAVA_INT, U + 4, 0x7fffffff);
        assertEquals(16, ((VcpuExit.InternalError) decode(17)).data().length);
        run.set(JAVA_INT, U + 4, -1);
        assertEquals(16, ((VcpuExit.InternalError) decode(17)).data().length);
    }

    @Test
    void systemEventReset() {
        run.set(JAVA_INT, U, 2);        // type: KVM_SYSTEM_EVENT_RESET
        run.set(JAVA_INT, U + 4, 1);    // ndata
        run.set(JAVA_LONG, U + 8, 0x80L);

        assertEquals(new VcpuExit.SystemEvent(2, 0x80L, new long[] {0x80L}), decode(24));
    }

    @Test
    void systemEventFromAnOlderKernelHasFlagsOnly() {
        run.set(JAVA_INT, U, 1);        // shutdown
        run.set(JAVA_INT, U + 4, 0);
        run.set(JAVA_LONG, U + 8, 5L);

        VcpuExit.SystemEvent e = (VcpuExit.SystemEvent) decode(24);

        assertEquals(1, e.type());
        assertEquals(5L, e.flags());
        assertEquals(0, e.data().length);
    }

    @Test
    void failEntry() {
        run.set(JAVA_LONG, U, 0x80000021L);
        run.set(JAVA_INT, U + 8, 3);

        assertEquals(new VcpuExit.FailEntry(0x80000021L, 3), decode(9));
    }

    @Test
    void debug() {
        run.set(JAVA_INT, U, 1);          // #DB
        run.set(JAVA_LONG, U + 8, 0x100000L);
        run.set(JAVA_LONG, U + 16, 0xffff4ff0L);
        run.set(JAVA_LONG, U + 24, 0x400L);

        assertEquals(new VcpuExit.Debug(1, 0x100000L, 0xffff4ff0L, 0x400L), decode(4));
    }

    @Test
    void unknownKeepsTheReasonAndHardwareReason() {
        run.set(JAVA_LONG, U, 0x30L);
        assertEquals(new VcpuExit.Unknown(0, 0x30L), decode(0));
        assertEquals(new VcpuExit.Unknown(29, 0x30L), decode(29)); // KVM_EXIT_X86_RDMSR: not decoded here
    }

    @Test
    void recordsDefendTheirArrays() {
        long[] data = {1, 2};
        VcpuExit.InternalError e = new VcpuExit.InternalError(1, data);
        data[0] = 99;
        e.data()[1] = 99;
        assertArrayEquals(new long[] {1, 2}, e.data());
    }
}
