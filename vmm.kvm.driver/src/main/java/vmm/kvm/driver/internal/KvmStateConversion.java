package vmm.kvm.driver.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.FpuState;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.kvm.driver.internal.abi.KvmDtable;
import vmm.kvm.driver.internal.abi.KvmFpu;
import vmm.kvm.driver.internal.abi.KvmRegs;
import vmm.kvm.driver.internal.abi.KvmSegment;
import vmm.kvm.driver.internal.abi.KvmSregs;

/**
 * Between KVM's structures (kvm_regs, kvm_sregs, kvm_fpu) and the SPI's state records.
 * kvm_regs orders the registers rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp; the records use the
 * architectural order rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi. Segment attributes are the VMX
 * access-rights layout on the record side and separate fields in kvm_segment.
 */
final class KvmStateConversion {

    /** kvm_regs' handle for each architectural register number. */
    private static final VarHandle[] GPR = {KvmRegs.RAX, KvmRegs.RCX, KvmRegs.RDX, KvmRegs.RBX, KvmRegs.RSP,
            KvmRegs.RBP, KvmRegs.RSI, KvmRegs.RDI, KvmRegs.R8, KvmRegs.R9, KvmRegs.R10, KvmRegs.R11, KvmRegs.R12,
            KvmRegs.R13, KvmRegs.R14, KvmRegs.R15};
    private static final String[] SEGMENTS = {"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt"};

    private KvmStateConversion() {
    }

    static Registers registers(MemorySegment regs) {
        long[] gpr = new long[16];
        for (int i = 0; i < 16; i++) {
            gpr[i] = (long) GPR[i].get(regs, 0L);
        }
        return new Registers(gpr, (long) KvmRegs.RIP.get(regs, 0L), (long) KvmRegs.RFLAGS.get(regs, 0L));
    }

    static void writeRegisters(Registers r, MemorySegment regs) {
        for (int i = 0; i < 16; i++) {
            GPR[i].set(regs, 0L, r.gpr(i));
        }
        KvmRegs.RIP.set(regs, 0L, r.rip());
        KvmRegs.RFLAGS.set(regs, 0L, r.rflags());
    }

    static Segment segment(KvmSegment s) {
        int attributes = (s.type() & 0xf) | (s.s() ? 1 << 4 : 0) | ((s.dpl() & 3) << 5)
                | (s.present() ? Segment.PRESENT : 0) | (s.avl() ? 1 << 12 : 0) | (s.l() ? Segment.LONG : 0)
                | (s.db() ? Segment.DB : 0) | (s.g() ? Segment.GRANULARITY : 0) | (s.unusable() ? Segment.UNUSABLE : 0);
        return new Segment(s.selector(), s.base(), s.limit(), attributes);
    }

    static KvmSegment kvmSegment(Segment s) {
        int a = s.attributes();
        return new KvmSegment(s.base(), s.limit(), s.selector(), a & 0xf, (a & Segment.PRESENT) != 0, (a >> 5) & 3,
                (a & Segment.DB) != 0, (a & (1 << 4)) != 0, (a & Segment.LONG) != 0, (a & Segment.GRANULARITY) != 0,
                (a & (1 << 12)) != 0, (a & Segment.UNUSABLE) != 0);
    }

    static SystemRegisters systemRegisters(MemorySegment sregs) {
        Segment[] seg = new Segment[SEGMENTS.length];
        for (int i = 0; i < seg.length; i++) {
            seg[i] = segment(KvmSregs.segment(sregs, SEGMENTS[i]));
        }
        KvmDtable gdt = KvmSregs.table(sregs, "gdt");
        KvmDtable idt = KvmSregs.table(sregs, "idt");
        return new SystemRegisters(seg[0], seg[1], seg[2], seg[3], seg[4], seg[5], seg[6], seg[7],
                new DescriptorTable(gdt.base(), gdt.limit()), new DescriptorTable(idt.base(), idt.limit()),
                (long) KvmSregs.CR0.get(sregs, 0L), (long) KvmSregs.CR2.get(sregs, 0L),
                (long) KvmSregs.CR3.get(sregs, 0L), (long) KvmSregs.CR4.get(sregs, 0L),
                (long) KvmSregs.CR8.get(sregs, 0L), (long) KvmSregs.EFER.get(sregs, 0L),
                (long) KvmSregs.APIC_BASE.get(sregs, 0L));
    }

    /** Writes {@code s} over {@code sregs}, leaving what the record does not carry (the interrupt bitmap). */
    static void writeSystemRegisters(SystemRegisters s, MemorySegment sregs) {
        Segment[] seg = {s.cs(), s.ds(), s.es(), s.fs(), s.gs(), s.ss(), s.tr(), s.ldt()};
        for (int i = 0; i < seg.length; i++) {
            KvmSregs.segment(sregs, SEGMENTS[i], kvmSegment(seg[i]));
        }
        KvmSregs.table(sregs, "gdt", new KvmDtable(s.gdt().base(), s.gdt().limit()));
        KvmSregs.table(sregs, "idt", new KvmDtable(s.idt().base(), s.idt().limit()));
        KvmSregs.CR0.set(sregs, 0L, s.cr0());
        KvmSregs.CR2.set(sregs, 0L, s.cr2());
        KvmSregs.CR3.set(sregs, 0L, s.cr3());
        KvmSregs.CR4.set(sregs, 0L, s.cr4());
        KvmSregs.CR8.set(sregs, 0L, s.cr8());
        KvmSregs.EFER.set(sregs, 0L, s.efer());
        KvmSregs.APIC_BASE.set(sregs, 0L, s.apicBase());
    }

    /** kvm_fpu to the FXSAVE image: FCW, FSW, abridged FTW, FOP, FIP, FDP, MXCSR, ST0-7, XMM0-15. */
    static FpuState fpu(MemorySegment fpu) {
        ByteBuffer x = ByteBuffer.allocate(FpuState.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        x.putShort(0, (short) KvmFpu.FCW.get(fpu, 0L));
        x.putShort(2, (short) KvmFpu.FSW.get(fpu, 0L));
        x.put(4, (byte) KvmFpu.FTWX.get(fpu, 0L));
        x.putShort(6, fpu.get(ValueLayout.JAVA_SHORT_UNALIGNED, KvmFpu.XMM_OFFSET - 18));
        x.putLong(8, fpu.get(ValueLayout.JAVA_LONG_UNALIGNED, KvmFpu.XMM_OFFSET - 16));
        x.putLong(16, fpu.get(ValueLayout.JAVA_LONG_UNALIGNED, KvmFpu.XMM_OFFSET - 8));
        x.putInt(24, (int) KvmFpu.MXCSR.get(fpu, 0L));
        x.putInt(28, 0xffff); // MXCSR_MASK: KVM does not carry it; the bits a host with SSE2 supports
        for (int i = 0; i < 8; i++) {
            for (int b = 0; b < 16; b++) {
                x.put(32 + 16 * i + b, fpu.get(ValueLayout.JAVA_BYTE, KvmFpu.FPR_OFFSET + 16L * i + b));
            }
        }
        for (int i = 0; i < 16; i++) {
            for (int b = 0; b < 16; b++) {
                x.put(160 + 16 * i + b, fpu.get(ValueLayout.JAVA_BYTE, KvmFpu.XMM_OFFSET + 16L * i + b));
            }
        }
        return new FpuState(x.array());
    }

    static void writeFpu(FpuState state, MemorySegment fpu) {
        ByteBuffer x = ByteBuffer.wrap(state.fxsave()).order(ByteOrder.LITTLE_ENDIAN);
        KvmFpu.FCW.set(fpu, 0L, x.getShort(0));
        KvmFpu.FSW.set(fpu, 0L, x.getShort(2));
        KvmFpu.FTWX.set(fpu, 0L, x.get(4));
        fpu.set(ValueLayout.JAVA_SHORT_UNALIGNED, KvmFpu.XMM_OFFSET - 18, x.getShort(6));
        fpu.set(ValueLayout.JAVA_LONG_UNALIGNED, KvmFpu.XMM_OFFSET - 16, x.getLong(8));
        fpu.set(ValueLayout.JAVA_LONG_UNALIGNED, KvmFpu.XMM_OFFSET - 8, x.getLong(16));
        KvmFpu.MXCSR.set(fpu, 0L, x.getInt(24));
        for (int i = 0; i < 8; i++) {
            for (int b = 0; b < 16; b++) {
                fpu.set(ValueLayout.JAVA_BYTE, KvmFpu.FPR_OFFSET + 16L * i + b, x.get(32 + 16 * i + b));
            }
        }
        for (int i = 0; i < 16; i++) {
            for (int b = 0; b < 16; b++) {
                fpu.set(ValueLayout.JAVA_BYTE, KvmFpu.XMM_OFFSET + 16L * i + b, x.get(160 + 16 * i + b));
            }
        }
    }
}
