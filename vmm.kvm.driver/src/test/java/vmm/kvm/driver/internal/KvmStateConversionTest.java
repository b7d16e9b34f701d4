package vmm.kvm.driver.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import org.junit.jupiter.api.Test;

import vmm.core.hypervisor.state.DebugRegisters;
import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.FpuState;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuEvents;
import vmm.kvm.driver.internal.abi.KvmDebugregs;
import vmm.kvm.driver.internal.abi.KvmFpu;
import vmm.kvm.driver.internal.abi.KvmIrqRoute;
import vmm.kvm.driver.internal.abi.KvmRegs;
import vmm.kvm.driver.internal.abi.KvmSegment;
import vmm.kvm.driver.internal.abi.KvmSregs;
import vmm.kvm.driver.internal.abi.KvmVcpuEvents;

/** The conversions between KVM's structures and the SPI's state records, without a device. */
class KvmStateConversionTest {

    @Test
    void registersKeepTheirArchitecturalNumbers() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment regs = arena.allocate(KvmRegs.LAYOUT);
            long[] gpr = new long[16];
            for (int i = 0; i < 16; i++) {
                gpr[i] = 0x1111L * (i + 1);
            }
            Registers r = new Registers(gpr, 0xfff0, 0x202);
            KvmStateConversion.writeRegisters(r, regs);
            assertEquals(0x1111L * (Registers.RBX + 1), (long) KvmRegs.RBX.get(regs, 0L));
            assertEquals(0x1111L * (Registers.RSP + 1), (long) KvmRegs.RSP.get(regs, 0L));
            assertEquals(0x1111L * (Registers.RSI + 1), (long) KvmRegs.RSI.get(regs, 0L));
            assertEquals(0xfff0, (long) KvmRegs.RIP.get(regs, 0L));
            assertEquals(r, KvmStateConversion.registers(regs));
        }
    }

    @Test
    void segmentAttributesMapToKvmFields() {
        Segment code64 = new Segment(0x10, 0, 0xffffffff, 0xa09b);
        KvmSegment k = KvmStateConversion.kvmSegment(code64);
        assertEquals(0xb, k.type());
        assertTrue(k.present() && k.s() && k.l() && k.g());
        assertEquals(0, k.dpl());
        assertEquals(false, k.db());
        assertEquals(code64, KvmStateConversion.segment(k));
        Segment user = new Segment(0x23, 0x1000, 0xfffff, 0xc0f3 | Segment.UNUSABLE);
        KvmSegment u = KvmStateConversion.kvmSegment(user);
        assertEquals(3, u.dpl());
        assertTrue(u.unusable() && u.db());
        assertEquals(user, KvmStateConversion.segment(u));
    }

    @Test
    void systemRegistersRoundTripAndKeepTheInterruptBitmap() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sregs = arena.allocate(KvmSregs.LAYOUT);
            long bitmap = KvmSregs.LAYOUT.byteSize() - 32;
            sregs.set(java.lang.foreign.ValueLayout.JAVA_LONG, bitmap, 0x8000_0000_0000_0001L);
            Segment d = new Segment(0x18, 0, 0xffffffff, 0xc093);
            SystemRegisters s = new SystemRegisters(new Segment(0x10, 0, 0xffffffff, 0xc09b), d, d, d, d, d,
                    new Segment(0x20, 0, 0x67, 0x8b), new Segment(0, 0, 0xffff, 0x10082),
                    new DescriptorTable(0x500, 0x27), new DescriptorTable(0, 0), 0x80000011L, 0x1234, 0x9000, 0x20, 0,
                    0x500, 0xfee00900L);
            KvmStateConversion.writeSystemRegisters(s, sregs);
            assertEquals(s, KvmStateConversion.systemRegisters(sregs));
            assertEquals(0x8000_0000_0000_0001L, sregs.get(java.lang.foreign.ValueLayout.JAVA_LONG, bitmap));
        }
    }

    @Test
    void fpuBecomesAnFxsaveImageAndBack() {
        byte[] image = new byte[FpuState.SIZE];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i * 13 + 7);
        }
        // Bytes FXSAVE reserves or KVM does not carry: byte 5, MXCSR_MASK, the tail after XMM15.
        image[5] = 0;
        image[28] = (byte) 0xff;
        image[29] = (byte) 0xff;
        image[30] = 0;
        image[31] = 0;
        for (int i = 416; i < 512; i++) {
            image[i] = 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fpu = arena.allocate(KvmFpu.LAYOUT);
            KvmStateConversion.writeFpu(new FpuState(image), fpu);
            assertEquals((short) (image[0] & 0xff | image[1] << 8), (short) KvmFpu.FCW.get(fpu, 0L));
            assertEquals(image[4], (byte) KvmFpu.FTWX.get(fpu, 0L));
            assertArrayEquals(image, KvmStateConversion.fpu(fpu).fxsave());
        }
    }

    @Test
    void pcRoutingSendsThePitToIoapicPin2() {
        List<KvmIrqRoute> routes = KvmAcceleratedVm.pcRouting();
        assertTrue(routes.contains(new KvmIrqRoute.Irqchip(0, KvmAcceleratedVm.IOAPIC, 2)));
        assertTrue(routes.contains(new KvmIrqRoute.Irqchip(0, KvmAcceleratedVm.PIC_MASTER, 0)));
        assertTrue(routes.contains(new KvmIrqRoute.Irqchip(4, KvmAcceleratedVm.IOAPIC, 4)));
        assertTrue(routes.contains(new KvmIrqRoute.Irqchip(12, KvmAcceleratedVm.PIC_SLAVE, 4)));
        assertTrue(routes.contains(new KvmIrqRoute.Irqchip(23, KvmAcceleratedVm.IOAPIC, 23)));
        assertTrue(routes.stream().noneMatch(r -> r.gsi() == 2), "the cascade has no route");
        assertEquals(15 + 23, routes.size());
    }

    @Test
    void debugRegistersRoundTripWithZeroFlags() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment d = arena.allocate(KvmDebugregs.LAYOUT);
            d.fill((byte) 0x77);
            DebugRegisters r = new DebugRegisters(0x1000, 0xffff_8000_0000_2000L, 0x3000, 0x4000, 0xffff4ff1L, 0x0f0f0455L);
            KvmStateConversion.writeDebugRegisters(r, d);
            assertEquals(0L, (long) KvmDebugregs.FLAGS.get(d, 0L));
            assertEquals(0xffff_8000_0000_2000L, (long) KvmDebugregs.DB.get(d, 0L, 1L));
            assertEquals(r, KvmStateConversion.debugRegisters(d));
        }
    }

    @Test
    void eventsRoundTripAndSetOnlyTheirValidFlags() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment e = arena.allocate(KvmVcpuEvents.LAYOUT);
            KvmVcpuEvents.SIPI_VECTOR.set(e, 0L, 0x9a);
            VcpuEvents ev = new VcpuEvents(true, true, true, 14, true, 0x1234_5678, 0xee, true);
            KvmStateConversion.writeEvents(ev, true, e);
            assertEquals(ev, KvmStateConversion.events(e));
            assertTrue(KvmStateConversion.interruptShadow(e));
            assertEquals(KvmVcpuEvents.KVM_VCPUEVENT_VALID_NMI_PENDING | KvmVcpuEvents.KVM_VCPUEVENT_VALID_SHADOW,
                    (int) KvmVcpuEvents.FLAGS.get(e, 0L));
            assertEquals(0x9a, (int) KvmVcpuEvents.SIPI_VECTOR.get(e, 0L)); // left alone

            KvmStateConversion.writeEvents(VcpuEvents.NONE, false, e);
            assertEquals(VcpuEvents.NONE, KvmStateConversion.events(e));
            assertEquals(0, (byte) KvmVcpuEvents.EXCEPTION_INJECTED.get(e, 0L));
            assertEquals(false, KvmStateConversion.interruptShadow(e));
        }
    }
}
