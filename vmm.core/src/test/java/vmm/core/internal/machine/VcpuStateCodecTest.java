package vmm.core.internal.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.DebugRegisters;
import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.FpuState;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuEvents;
import vmm.core.hypervisor.state.VcpuState;

class VcpuStateCodecTest {
    /** The bytes version 2 appends to a vCPU: six debug registers, the event flags and vectors. */
    private static final int V2_TAIL = 6 * 8 + 1 + 2 + 4 + 2;

    private static VcpuState busy() {
        long[] gpr = new long[16];
        for (int i = 0; i < gpr.length; i++) {
            gpr[i] = 0x1111_0000_0000_0000L * (i + 1) + i;
        }
        SystemRegisters sregs = new SystemRegisters(new Segment(0x10, 0, -1, 0xa09b), new Segment(0x18, 0x1000, -1, 0xc093),
                new Segment(0x18, 0, -1, 0xc093), new Segment(0, 0x7fff_0000L, 0, 0x10000),
                new Segment(0, 0xffff_8000_0000_0000L, 0, 0x10000), new Segment(0x18, 0, -1, 0xc093),
                new Segment(0x28, 0x5000, 0x67, 0x8b), new Segment(0, 0, 0, 0x10082),
                new DescriptorTable(0x2000, 0x2f), new DescriptorTable(0x3000, 0xfff), 0x80050033L, 0xdead_b000L,
                0x9000, 0x6b0, 5, 0xd01, 0xfee00900L);
        byte[] fx = new byte[FpuState.SIZE];
        Arrays.fill(fx, (byte) 0x5a);
        byte[] lapic = new byte[1024];
        lapic[0x20] = 7;
        DebugRegisters debug = new DebugRegisters(0x40_1000L, 0xffff_8000_0010_2000L, 0x3000, 0x4008, 0xffff4ff1L,
                0x0f0f_0755L);
        VcpuEvents events = new VcpuEvents(true, true, true, 14, true, 0x1234_5678, 0xee, true);
        return new VcpuState(new Registers(gpr, 0xffff_ffff_8100_0000L, 0x10246), sregs,
                Map.of(0xc0000080, 0xd01L, 0x10, 123456789L), new FpuState(fx), lapic, true, true, true, debug, events);
    }

    private static void assertSame(VcpuState want, VcpuState got) {
        assertEquals(want.regs(), got.regs());
        assertEquals(want.sregs(), got.sregs());
        assertEquals(want.msrs(), got.msrs());
        assertArrayEquals(want.fpu().fxsave(), got.fpu().fxsave());
        assertArrayEquals(want.lapic(), got.lapic());
        assertEquals(want.halted(), got.halted());
        assertEquals(want.waitingForSipi(), got.waitingForSipi());
        assertEquals(want.interruptShadow(), got.interruptShadow());
        assertEquals(want.debug(), got.debug());
        assertEquals(want.events(), got.events());
    }

    @Test
    void everyFieldRoundTrips() {
        VcpuState s = busy();
        assertSame(s, VcpuStateCodec.decode(VcpuStateCodec.encode(s)));
        VcpuState quiet = new VcpuState(s.regs(), s.sregs(), Map.of(), s.fpu(), new byte[0], false, false, false);
        VcpuState back = VcpuStateCodec.decode(VcpuStateCodec.encode(quiet), MachineImage.VERSION);
        assertSame(quiet, back);
        assertEquals(VcpuEvents.NONE, back.events());
    }

    @Test
    void versionOneLayoutReadsWithResetDebugRegistersAndNothingInFlight() {
        byte[] v2 = VcpuStateCodec.encode(busy());
        byte[] v1 = Arrays.copyOf(v2, v2.length - V2_TAIL);
        VcpuState old = VcpuStateCodec.decode(v1, 1);
        assertEquals(busy().regs(), old.regs());
        assertTrue(old.interruptShadow());
        assertEquals(DebugRegisters.RESET, old.debug());
        assertEquals(VcpuEvents.NONE, old.events());
        // A version 2 state read as version 1 has bytes left over: named, not ignored.
        assertThrows(IllegalArgumentException.class, () -> VcpuStateCodec.decode(v2, 1));
    }

    @Test
    void truncatedOrCorruptEventsAreNamed() {
        byte[] v2 = VcpuStateCodec.encode(busy());
        var e = assertThrows(IllegalArgumentException.class,
                () -> VcpuStateCodec.decode(Arrays.copyOf(v2, v2.length - 3)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        byte[] badFlags = v2.clone();
        badFlags[v2.length - 9] = (byte) 0x80;
        e = assertThrows(IllegalArgumentException.class, () -> VcpuStateCodec.decode(badFlags));
        assertTrue(e.getMessage().contains("event flags"), e.getMessage());
        byte[] badVector = v2.clone();
        badVector[v2.length - 8] = 0x01; // exception vector 0x10e
        e = assertThrows(IllegalArgumentException.class, () -> VcpuStateCodec.decode(badVector));
        assertTrue(e.getMessage().contains("exception vector"), e.getMessage());
    }
}
