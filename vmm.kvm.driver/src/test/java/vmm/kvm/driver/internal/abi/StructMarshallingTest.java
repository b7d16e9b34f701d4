package vmm.kvm.driver.internal.abi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.kvm.driver.internal.CProgram;

/**
 * The bytes the driver would pass to each ioctl, against the bytes of the same structure
 * filled in by a C program with the same values (zeroed first, as the driver's are).
 */
class StructMarshallingTest {

    private static final String C_SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <linux/kvm.h>

            static void dump(const char *name, const void *p, size_t n) {
                printf("%s=", name);
                for (size_t i = 0; i < n; i++) printf("%02x", ((const unsigned char *) p)[i]);
                printf("\\n");
            }
            #define DUMP(name, var) dump(name, &var, sizeof var)

            int main(void) {
                struct kvm_userspace_memory_region region;
                memset(&region, 0, sizeof region);
                region.slot = 3;
                region.flags = KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES;
                region.guest_phys_addr = 0xfffc0000;
                region.memory_size = 0x40000;
                region.userspace_addr = 0x7f1234560000;
                DUMP("region", region);

                struct kvm_irq_level irq = { .irq = 4, .level = 1 };
                DUMP("irq_level", irq);

                struct kvm_msi msi;
                memset(&msi, 0, sizeof msi);
                msi.address_lo = 0xfee01000; msi.address_hi = 1; msi.data = 0x4041;
                DUMP("msi", msi);

                size_t rsize = sizeof(struct kvm_irq_routing) + 2 * sizeof(struct kvm_irq_routing_entry);
                struct kvm_irq_routing *routing = calloc(1, rsize);
                routing->nr = 2;
                routing->entries[0].gsi = 4;
                routing->entries[0].type = KVM_IRQ_ROUTING_IRQCHIP;
                routing->entries[0].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
                routing->entries[0].u.irqchip.pin = 4;
                routing->entries[1].gsi = 24;
                routing->entries[1].type = KVM_IRQ_ROUTING_MSI;
                routing->entries[1].u.msi.address_lo = 0xfee00000;
                routing->entries[1].u.msi.address_hi = 0x2;
                routing->entries[1].u.msi.data = 0x31;
                dump("routing", routing, rsize);

                struct kvm_ioeventfd ioev;
                memset(&ioev, 0, sizeof ioev);
                ioev.datamatch = 0x10; ioev.addr = 0xc050; ioev.len = 2; ioev.fd = 7;
                ioev.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH;
                DUMP("ioeventfd", ioev);
                ioev.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
                DUMP("ioeventfd_deassign", ioev);

                struct kvm_irqfd irqfd;
                memset(&irqfd, 0, sizeof irqfd);
                irqfd.fd = 8; irqfd.gsi = 5; irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE; irqfd.resamplefd = 9;
                DUMP("irqfd", irqfd);

                struct kvm_pit_config pit;
                memset(&pit, 0, sizeof pit);
                pit.flags = KVM_PIT_SPEAKER_DUMMY;
                DUMP("pit_config", pit);

                struct kvm_clock_data clock;
                memset(&clock, 0, sizeof clock);
                clock.clock = 123456789; clock.flags = KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
                clock.realtime = 1764165600000000000ULL; clock.host_tsc = 0x123456789abcULL;
                DUMP("clock_data", clock);

                struct kvm_dirty_log log;
                memset(&log, 0, sizeof log);
                log.slot = 2; log.dirty_bitmap = (void *) 0x7f0000001000ULL;
                DUMP("dirty_log", log);

                size_t msize = sizeof(struct kvm_msrs) + 2 * sizeof(struct kvm_msr_entry);
                struct kvm_msrs *msrs = calloc(1, msize);
                msrs->nmsrs = 2;
                msrs->entries[0].index = 0x174; msrs->entries[0].data = 0x10;
                msrs->entries[1].index = 0xc0000080; msrs->entries[1].data = 0x500;
                dump("msrs", msrs, msize);

                size_t csize = sizeof(struct kvm_cpuid2) + 2 * sizeof(struct kvm_cpuid_entry2);
                struct kvm_cpuid2 *cpuid = calloc(1, csize);
                cpuid->nent = 2;
                cpuid->entries[0] = (struct kvm_cpuid_entry2) { .function = 0, .eax = 0xd,
                        .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 };
                cpuid->entries[1] = (struct kvm_cpuid_entry2) { .function = 7, .index = 0,
                        .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 0x209c01a9 };
                dump("cpuid2", cpuid, csize);

                struct kvm_sregs sregs;
                memset(&sregs, 0, sizeof sregs);
                sregs.cs = (struct kvm_segment) { .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 11,
                        .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1 };
                sregs.tr = (struct kvm_segment) { .base = 0x1000, .limit = 0x67, .selector = 0x18, .type = 11,
                        .present = 1, .unusable = 0 };
                sregs.ldt = (struct kvm_segment) { .unusable = 1 };
                sregs.gdt.base = 0x500; sregs.gdt.limit = 0x27;
                sregs.cr0 = 0x80050033; sregs.cr3 = 0x9000; sregs.cr4 = 0x20; sregs.efer = 0x500;
                sregs.apic_base = 0xfee00900;
                DUMP("sregs", sregs);

                struct kvm_regs regs;
                memset(&regs, 0, sizeof regs);
                regs.rip = 0x100000; regs.rsp = 0x8000; regs.rflags = 2; regs.rsi = 0x7000; regs.r15 = 0xf;
                DUMP("regs", regs);

                struct kvm_lapic_state lapic;
                memset(&lapic, 0, sizeof lapic);
                *(unsigned int *) &lapic.regs[0x350] = 0x700;
                *(unsigned int *) &lapic.regs[0x360] = 0x400;
                DUMP("lapic", lapic);

                struct kvm_xcrs xcrs;
                memset(&xcrs, 0, sizeof xcrs);
                xcrs.nr_xcrs = 1; xcrs.xcrs[0].xcr = 0; xcrs.xcrs[0].value = 7;
                DUMP("xcrs", xcrs);

                struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_UNINITIALIZED };
                DUMP("mp_state", mp);

                struct kvm_vcpu_events events;
                memset(&events, 0, sizeof events);
                events.nmi.pending = 1; events.sipi_vector = 0x10; events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
                DUMP("vcpu_events", events);

                struct kvm_fpu fpu;
                memset(&fpu, 0, sizeof fpu);
                fpu.fcw = 0x37f; fpu.mxcsr = 0x1f80;
                DUMP("fpu", fpu);

                struct kvm_irqchip chip;
                memset(&chip, 0, sizeof chip);
                chip.chip_id = KVM_IRQCHIP_IOAPIC;
                chip.chip.ioapic.base_address = 0xfec00000; chip.chip.ioapic.id = 3;
                chip.chip.ioapic.redirtbl[2].bits = 0x10030;
                DUMP("irqchip", chip);

                struct kvm_pit_state2 pit2;
                memset(&pit2, 0, sizeof pit2);
                pit2.channels[0].count = 0x10000; pit2.channels[0].mode = 2;
                pit2.channels[2].gate = 1; pit2.channels[2].count_load_time = 123456789;
                pit2.flags = KVM_PIT_FLAGS_HPET_LEGACY;
                DUMP("pit_state2", pit2);
                return 0;
            }
            """;

    @TempDir
    static Path dir;
    static Map<String, String> c = new HashMap<>();

    private final Arena arena = Arena.ofConfined();

    @BeforeAll
    static void buildStructuresInC() throws Exception {
        for (String line : CProgram.compileAndRun(dir, "marshal", C_SOURCE)) {
            int eq = line.indexOf('=');
            c.put(line.substring(0, eq), line.substring(eq + 1));
        }
    }

    @AfterEach
    void free() {
        arena.close();
    }

    private static String hex(MemorySegment s) {
        return HexFormat.of().formatHex(s.toArray(JAVA_BYTE));
    }

    private MemorySegment fromC(String name) {
        byte[] bytes = HexFormat.of().parseHex(c.get(name));
        MemorySegment s = arena.allocate(bytes.length, 8);
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        return s;
    }

    @Test
    void userspaceMemoryRegion() {
        var region = new KvmUserspaceMemoryRegion(3,
                KvmUserspaceMemoryRegion.KVM_MEM_READONLY | KvmUserspaceMemoryRegion.KVM_MEM_LOG_DIRTY_PAGES,
                0xfffc0000L, 0x40000L, 0x7f1234560000L);
        assertEquals(c.get("region"), hex(region.toSegment(arena)));
        assertEquals("03000000" + "03000000" + "0000fcff00000000" + "0000040000000000" + "00005634127f0000",
                hex(region.toSegment(arena)), "laid out as the kernel reads it, little-endian");
    }

    @Test
    void irqLevel() {
        assertEquals(c.get("irq_level"), hex(new KvmIrqLevel(4, 1).toSegment(arena)));
    }

    @Test
    void msiSplitsTheAddressIntoHalves() {
        assertEquals(c.get("msi"), hex(KvmMsi.of(0x1fee01000L, 0x4041).toSegment(arena)));
    }

    @Test
    void gsiRoutingTable() {
        MemorySegment routing = KvmIrqRouting.toSegment(arena, List.of(
                new KvmIrqRoute.Irqchip(4, KvmIrqRouting.KVM_IRQCHIP_IOAPIC, 4),
                new KvmIrqRoute.Msi(24, 0x2fee00000L, 0x31)));
        assertEquals(c.get("routing"), hex(routing));
    }

    @Test
    void ioeventfdAndItsRemoval() {
        var ioeventfd = new KvmIoeventfd(0x10, 0xc050, 2, 7,
                KvmIoeventfd.KVM_IOEVENTFD_FLAG_PIO | KvmIoeventfd.KVM_IOEVENTFD_FLAG_DATAMATCH);
        assertEquals(c.get("ioeventfd"), hex(ioeventfd.toSegment(arena)));
        assertEquals(c.get("ioeventfd_deassign"), hex(ioeventfd.deassign().toSegment(arena)));
        assertEquals("port 0xc050 len 2 fd 7 datamatch 0x10", ioeventfd.describe());
    }

    @Test
    void irqfdWithResample() {
        assertEquals(c.get("irqfd"), hex(new KvmIrqfd(8, 5, KvmIrqfd.KVM_IRQFD_FLAG_RESAMPLE, 9).toSegment(arena)));
    }

    @Test
    void pitConfig() {
        assertEquals(c.get("pit_config"), hex(new KvmPitConfig(KvmPitConfig.KVM_PIT_SPEAKER_DUMMY).toSegment(arena)));
    }

    @Test
    void irqchipStateBothWays() {
        KvmIrqchip chip = KvmIrqchip.read(fromC("irqchip"));
        assertEquals(KvmIrqchip.KVM_IRQCHIP_IOAPIC, chip.chipId());
        java.nio.ByteBuffer state = java.nio.ByteBuffer.wrap(chip.state()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        // kvm_ioapic_state: base_address, ioregsel, id, irr, pad, then the redirection table.
        assertEquals(0xfec00000L, state.getLong(0));
        assertEquals(3, state.getInt(12));
        assertEquals(0x10030L, state.getLong(24 + 2 * 8));
        assertEquals(c.get("irqchip"), hex(chip.toSegment(arena)));
        assertEquals(c.get("irqchip").substring(0, 16), hex(KvmIrqchip.request(arena, 2)).substring(0, 16),
                "a request names the chip");
        var e = assertThrows(IllegalArgumentException.class, () -> new KvmIrqchip(0, new byte[511]));
        assertEquals("irqchip 0 state has 511 bytes, not 512", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new KvmIrqchip(3, new byte[512]));
    }

    @Test
    void pitState2BothWays() {
        KvmPitState2 pit = KvmPitState2.read(fromC("pit_state2"));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(pit.bytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x10000, b.getInt(0), "channel 0 count");
        assertEquals(123456789L, b.getLong(2 * 24 + 16), "channel 2 count_load_time");
        assertEquals(1, b.getInt(72), "flags");
        assertEquals(c.get("pit_state2"), hex(pit.toSegment(arena)));
        var e = assertThrows(IllegalArgumentException.class, () -> new KvmPitState2(new byte[111]));
        assertEquals("PIT state has 111 bytes, not 112", e.getMessage());
    }

    @Test
    void clockDataBothWays() {
        var clock = new KvmClockData(123456789L, KvmClockData.KVM_CLOCK_REALTIME | KvmClockData.KVM_CLOCK_HOST_TSC,
                1764165600000000000L, 0x123456789abcL);
        assertEquals(c.get("clock_data"), hex(clock.toSegment(arena)));
        assertEquals(clock, KvmClockData.read(fromC("clock_data")));
    }

    @Test
    void dirtyLogPointsAtTheBitmap() {
        MemorySegment log = KvmDirtyLog.toSegment(arena, 2, MemorySegment.ofAddress(0x7f0000001000L));
        assertEquals(c.get("dirty_log"), hex(log));
        assertEquals(8, KvmDirtyLog.bitmapBytes(1));
        assertEquals(8, KvmDirtyLog.bitmapBytes(64));
        assertEquals(16, KvmDirtyLog.bitmapBytes(65));
    }

    @Test
    void msrsBothWays() {
        List<KvmMsrEntry> entries = List.of(new KvmMsrEntry(0x174, 0x10), new KvmMsrEntry(0xc0000080, 0x500));
        assertEquals(c.get("msrs"), hex(KvmMsrEntry.msrs(arena, entries)));
        assertEquals(entries, KvmMsrEntry.entries(fromC("msrs"), 2));
        assertEquals(entries.subList(0, 1), KvmMsrEntry.entries(fromC("msrs"), 1), "only as many as KVM processed");
    }

    @Test
    void cpuid2BothWays() {
        List<KvmCpuidEntry> entries = List.of(
                new KvmCpuidEntry(0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69),
                new KvmCpuidEntry(7, 0, KvmCpuidEntry.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0, 0x209c01a9, 0, 0));
        assertEquals(c.get("cpuid2"), hex(KvmCpuidEntry.cpuid2(arena, entries)));
        assertEquals(entries, KvmCpuidEntry.entries(fromC("cpuid2")));
    }

    @Test
    void sregsSegmentsTablesAndControlRegisters() {
        MemorySegment sregs = arena.allocate(KvmSregs.LAYOUT);
        var cs = new KvmSegment(0, 0xffffffff, 0x10, 11, true, 0, false, true, true, true, false, false);
        KvmSregs.segment(sregs, "cs", cs);
        KvmSregs.segment(sregs, "tr", new KvmSegment(0x1000, 0x67, 0x18, 11, true, 0, false, false, false, false,
                false, false));
        KvmSregs.segment(sregs, "ldt", new KvmSegment(0, 0, 0, 0, false, 0, false, false, false, false, false, true));
        KvmSregs.table(sregs, "gdt", new KvmDtable(0x500, 0x27));
        KvmSregs.CR0.set(sregs, 0L, 0x80050033L);
        KvmSregs.CR3.set(sregs, 0L, 0x9000L);
        KvmSregs.CR4.set(sregs, 0L, 0x20L);
        KvmSregs.EFER.set(sregs, 0L, 0x500L);
        KvmSregs.APIC_BASE.set(sregs, 0L, 0xfee00900L);

        assertEquals(c.get("sregs"), hex(sregs));
        MemorySegment fromC = fromC("sregs");
        assertEquals(cs, KvmSregs.segment(fromC, "cs"));
        assertEquals(new KvmDtable(0x500, 0x27), KvmSregs.table(fromC, "gdt"));
        assertThrows(IllegalArgumentException.class, () -> KvmSregs.segment(fromC, "gdt"));
        assertThrows(IllegalArgumentException.class, () -> KvmSregs.segment(fromC, "cr0"));
    }

    @Test
    void regs() {
        MemorySegment regs = arena.allocate(KvmRegs.LAYOUT);
        KvmRegs.RIP.set(regs, 0L, 0x100000L);
        KvmRegs.RSP.set(regs, 0L, 0x8000L);
        KvmRegs.RFLAGS.set(regs, 0L, 2L);
        KvmRegs.RSI.set(regs, 0L, 0x7000L);
        KvmRegs.R15.set(regs, 0L, 0xfL);
        assertEquals(c.get("regs"), hex(regs));
    }

    @Test
    void lapicRegisters() {
        MemorySegment lapic = arena.allocate(KvmLapicState.LAYOUT);
        KvmLapicState.register(lapic, KvmLapicState.APIC_LVT0, 0x700);
        KvmLapicState.register(lapic, KvmLapicState.APIC_LVT1, 0x400);
        assertEquals(c.get("lapic"), hex(lapic));
        assertEquals(0x700, KvmLapicState.register(fromC("lapic"), 0x350));
        assertThrows(IllegalArgumentException.class, () -> KvmLapicState.register(lapic, 0x354));
        assertThrows(IllegalArgumentException.class, () -> KvmLapicState.register(lapic, 0x400));
    }

    @Test
    void xcrs() {
        MemorySegment xcrs = arena.allocate(KvmXcrs.LAYOUT);
        KvmXcrs.NR_XCRS.set(xcrs, 0L, 1);
        KvmXcrs.XCR_INDEX.set(xcrs, 0L, 0L, 0);
        KvmXcrs.XCR_VALUE.set(xcrs, 0L, 0L, 7L);
        assertEquals(c.get("xcrs"), hex(xcrs));
    }

    @Test
    void mpStateVcpuEventsAndFpu() {
        MemorySegment mp = arena.allocate(KvmMpState.LAYOUT);
        KvmMpState.MP_STATE.set(mp, 0L, KvmMpState.KVM_MP_STATE_UNINITIALIZED);
        assertEquals(c.get("mp_state"), hex(mp));

        MemorySegment events = arena.allocate(KvmVcpuEvents.LAYOUT);
        KvmVcpuEvents.NMI_PENDING.set(events, 0L, (byte) 1);
        KvmVcpuEvents.SIPI_VECTOR.set(events, 0L, 0x10);
        KvmVcpuEvents.FLAGS.set(events, 0L, KvmVcpuEvents.KVM_VCPUEVENT_VALID_NMI_PENDING);
        assertEquals(c.get("vcpu_events"), hex(events));

        MemorySegment fpu = arena.allocate(KvmFpu.LAYOUT);
        KvmFpu.FCW.set(fpu, 0L, (short) 0x37f);
        KvmFpu.MXCSR.set(fpu, 0L, 0x1f80);
        assertEquals(c.get("fpu"), hex(fpu));
    }
}
