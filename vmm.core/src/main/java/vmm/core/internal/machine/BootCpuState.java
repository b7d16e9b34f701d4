package vmm.core.internal.machine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuState;
import vmm.core.loader.BootInfo;
import vmm.core.loader.MultibootLoader;
import vmm.core.memory.GuestMemory;

/**
 * The bootstrap processor's state at a loaded kernel's entry, with the GDT (and, for the Linux
 * 64-bit entry, the identity-mapping page tables) it refers to written into low RAM, where the
 * loaders leave room (0x500 and 0x9000-0xEFFF).
 */
final class BootCpuState {

    static final long GDT = 0x500;
    static final long PML4 = 0x9000;
    static final long PDPT = 0xA000;
    /** Four page directories of 2 MiB pages: the first 4 GiB identity-mapped. */
    static final long PD = 0xB000;

    static final int CODE32 = 0xc09b, CODE64 = 0xa09b, DATA = 0xc093, TSS32_BUSY = 0x8b, LDT_UNUSABLE = 0x10082;
    static final int SEL_CODE = 0x10, SEL_DATA = 0x18, SEL_TSS = 0x20;

    static final long CR0_PE = 1, CR0_ET = 0x10, CR0_PG = 1L << 31;
    static final long CR4_PAE = 0x20;
    static final long EFER_LME = 0x100, EFER_LMA = 0x400;

    private BootCpuState() {
    }

    /**
     * {@code reset} (the vCPU's power-on state: it keeps the MSRs, FPU and APIC it has) moved to
     * the entry of {@code boot}.
     */
    static VcpuState at(BootInfo boot, VcpuState reset, GuestMemory memory) {
        boolean longMode = switch (boot.mode()) {
            case LINUX_64BIT -> true;
            case PVH_32BIT, MULTIBOOT_32BIT -> false;
        };
        writeGdt(memory, longMode);
        long[] gpr = new long[16];
        switch (boot.mode()) {
            case LINUX_64BIT -> gpr[Registers.RSI] = boot.bootParamsAddress();
            case PVH_32BIT -> gpr[Registers.RBX] = boot.bootParamsAddress();
            case MULTIBOOT_32BIT -> {
                gpr[Registers.RAX] = Integer.toUnsignedLong(MultibootLoader.BOOTLOADER_MAGIC);
                gpr[Registers.RBX] = boot.bootParamsAddress();
            }
        }
        Segment code = new Segment(SEL_CODE, 0, 0xffffffff, longMode ? CODE64 : CODE32);
        Segment data = new Segment(SEL_DATA, 0, 0xffffffff, DATA);
        Segment tr = new Segment(SEL_TSS, 0, 0x67, TSS32_BUSY);
        Segment ldt = new Segment(0, 0, 0xffff, LDT_UNUSABLE);
        long cr0 = CR0_PE | CR0_ET;
        long cr3 = 0;
        long cr4 = 0;
        long efer = reset.sregs().efer() & ~(EFER_LME | EFER_LMA);
        if (longMode) {
            writePageTables(memory);
            cr0 |= CR0_PG;
            cr3 = PML4;
            cr4 = CR4_PAE;
            efer |= EFER_LME | EFER_LMA;
        }
        SystemRegisters old = reset.sregs();
        SystemRegisters sregs = new SystemRegisters(code, data, data, data, data, data, tr, ldt,
                new DescriptorTable(GDT, 5 * 8 - 1), new DescriptorTable(0, 0), cr0, 0, cr3, cr4, old.cr8(), efer,
                old.apicBase());
        return new VcpuState(new Registers(gpr, boot.entryPoint(), 0x2), sregs, reset.msrs(), reset.fpu(),
                reset.lapic(), false, false, false);
    }

    /** Where the IVT's handlers point: an IRET in the BIOS area, as SeaBIOS's default handler. */
    static final long IRET_AT = 0xfff53;

    /**
     * A real-mode IVT whose every vector returns at once, as a BIOS leaves it: a guest that
     * enables interrupts in real mode with the BIOS's PIC setup (IRQ0 on vector 8) survives.
     * Written before the kernel is loaded, so a kernel that loads over it wins.
     */
    static void writeIvt(GuestMemory memory) {
        ByteBuffer ivt = ByteBuffer.allocate(256 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v = 0; v < 256; v++) {
            ivt.putShort((short) (IRET_AT & 0xf)).putShort((short) 0xfff5);
        }
        memory.write(0, ivt.flip());
        memory.writeByte(IRET_AT, (byte) 0xcf);
    }

    /** Null, null, code (32- or 64-bit) at 0x10, flat data at 0x18, a TSS at 0x20 (the Linux boot protocol's layout). */
    private static void writeGdt(GuestMemory memory, boolean longMode) {
        ByteBuffer gdt = ByteBuffer.allocate(5 * 8).order(ByteOrder.LITTLE_ENDIAN);
        gdt.putLong(0).putLong(0);
        gdt.putLong(descriptor(0, 0xfffff, longMode ? CODE64 : CODE32));
        gdt.putLong(descriptor(0, 0xfffff, DATA));
        gdt.putLong(descriptor(0, 0x67, TSS32_BUSY));
        memory.write(GDT, gdt.flip());
    }

    /** A segment descriptor from VMX-style attributes (type/S/DPL/P in 7:0, AVL/L/DB/G in 15:12). */
    static long descriptor(long base, long limit, int attributes) {
        return (limit & 0xffff) | ((base & 0xffffff) << 16) | ((long) (attributes & 0xff) << 40)
                | (((limit >> 16) & 0xf) << 48) | ((long) ((attributes >> 12) & 0xf) << 52) | (((base >> 24) & 0xff) << 56);
    }

    private static void writePageTables(GuestMemory memory) {
        memory.writeLong(PML4, PDPT | 0x3);
        for (int i = 1; i < 512; i++) {
            memory.writeLong(PML4 + 8L * i, 0);
        }
        for (int i = 0; i < 512; i++) {
            memory.writeLong(PDPT + 8L * i, i < 4 ? (PD + 0x1000L * i) | 0x3 : 0);
        }
        for (long i = 0; i < 4 * 512; i++) {
            memory.writeLong(PD + 8 * i, (i << 21) | 0x83); // present, writable, 2 MiB page
        }
    }
}
