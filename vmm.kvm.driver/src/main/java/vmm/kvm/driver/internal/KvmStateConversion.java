package vmm.kvm.driver.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import vmm.core.hypervisor.state.DebugRegisters;
import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.FpuState;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuEvents;
import vmm.kvm.driver.internal.abi.KvmDebugregs;
import vmm.kvm.driver.internal.abi.KvmDtable;
import vmm.kvm.driver.internal.abi.KvmFpu;
import vmm.kvm.driver.internal.abi.KvmRegs;
import vmm.kvm.driver.internal.abi.KvmSegment;
import vmm.kvm.driver.internal.abi.KvmSregs;
import vmm.kvm.driver.internal.abi.KvmVcpuEvents;

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

    static DebugRegisters debugRegisters(MemorySegment d) {
        return new DebugRegisters((long) KvmDebugregs.DB.get(d, 0L, 0L), (long) KvmDebugregs.DB.get(d, 0L, 1L),
                (long) KvmDebugregs.DB.get(d, 0L, 2L), (long) KvmDebugregs.DB.get(d, 0L, 3L),
                (long) KvmDebugregs.DR6.get(d, 0L), (long) KvmDebugregs.DR7.get(d, 0L));
    }

    static void writeDebugRegisters(DebugRegisters r, MemorySegment d) {
        d.fill((byte) 0); // flags and reserved must be zero
        long[] db = {r.dr0(), r.dr1(), r.dr2(), r.dr3()};
        for (int i = 0; i < db.length; i++) {
            KvmDebugregs.DB.set(d, 0L, (long) i, db[i]);
        }
        // KVM refuses DR6/DR7 with bits set in the upper half (-EINVAL).
        KvmDebugregs.DR6.set(d, 0L, r.dr6() & 0xffffffffL);
        KvmDebugregs.DR7.set(d, 0L, r.dr7() & 0xffffffffL);
    }

    /** kvm_vcpu_events to the record; NMI pending is a count in newer kernels (any means one). */
    static VcpuEvents events(MemorySegment e) {
        boolean exception = (byte) KvmVcpuEvents.EXCEPTION_INJECTED.get(e, 0L) != 0;
        boolean interrupt = (byte) KvmVcpuEvents.INTERRUPT_INJECTED.get(e, 0L) != 0;
        return new VcpuEvents((byte) KvmVcpuEvents.NMI_MASKED.get(e, 0L) != 0,
                (byte) KvmVcpuEvents.NMI_PENDING.get(e, 0L) != 0, (byte) KvmVcpuEvents.NMI_INJECTED.get(e, 0L) != 0,
                exception ? (byte) KvmVcpuEvents.EXCEPTION_NR.get(e, 0L) & 0x1f : -1,
                exception && (byte) KvmVcpuEvents.EXCEPTION_HAS_ERROR_CODE.get(e, 0L) != 0,
                exception ? (int) KvmVcpuEvents.EXCEPTION_ERROR_CODE.get(e, 0L) : 0,
                interrupt ? (byte) KvmVcpuEvents.INTERRUPT_NR.get(e, 0L) & 0xff : -1,
                interrupt && (byte) KvmVcpuEvents.INTERRUPT_SOFT.get(e, 0L) != 0);
    }

    static boolean interruptShadow(MemorySegment e) {
        return (byte) KvmVcpuEvents.INTERRUPT_SHADOW.get(e, 0L) != 0;
    }

    /**
     * The record and the shadow into a kvm_vcpu_events read from the vCPU (so that the parts
     * this VMM does not carry, SIPI vector and SMM, stay as they are: their flags stay clear).
     */
    static void writeEvents(VcpuEvents ev, boolean interruptShadow, MemorySegment e) {
        boolean exception = ev.exceptionVector() >= 0;
        KvmVcpuEvents.EXCEPTION_INJECTED.set(e, 0L, (byte) (exception ? 1 : 0));
        KvmVcpuEvents.EXCEPTION_NR.set(e, 0L, (byte) (exception ? ev.exceptionVector() : 0));
        KvmVcpuEvents.EXCEPTION_HAS_ERROR_CODE.set(e, 0L, (byte) (ev.exceptionHasErrorCode() ? 1 : 0));
        KvmVcpuEvents.EXCEPTION_ERROR_CODE.set(e, 0L, ev.exceptionErrorCode());
        boolean interrupt = ev.interruptVector() >= 0;
        KvmVcpuEvents.INTERRUPT_INJECTED.set(e, 0L, (byte) (interrupt ? 1 : 0));
        KvmVcpuEvents.INTERRUPT_NR.set(e, 0L, (byte) (interrupt ? ev.interruptVector() : 0));
        KvmVcpuEvents.INTERRUPT_SOFT.set(e, 0L, (byte) (ev.softInterrupt() ? 1 : 0));
        // KVM_X86_SHADOW_INT_MOV_SS: it also holds debug traps back, the stricter of the two kinds.
        KvmVcpuEvents.INTERRUPT_SHADOW.set(e, 0L, (byte) (interruptShadow ? 1 : 0));
        KvmVcpuEvents.NMI_INJECTED.set(e, 0L, (byte) (ev.nmiInjected() ? 1 : 0));
        KvmVcpuEvents.NMI_PENDING.set(e, 0L, (byte) (ev.nmiPending() ? 1 : 0));
        KvmVcpuEvents.NMI_MASKED.set(e, 0L, (byte) (ev.nmiBlocked() ? 1 : 0));
        KvmVcpuEvents.FLAGS.set(e, 0L,
                KvmVcpuEvents.KVM_VCPUEVENT_VALID_NMI_PENDING | KvmVcpuEvents.KVM_VCPUEVENT_VALID_SHADOW);
    }
}
