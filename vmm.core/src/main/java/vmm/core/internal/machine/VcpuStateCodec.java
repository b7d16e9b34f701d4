package vmm.core.internal.machine;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

import vmm.core.hypervisor.state.DebugRegisters;
import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.FpuState;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuEvents;
import vmm.core.hypervisor.state.VcpuState;

/**
 * A {@link VcpuState} as bytes in a machine image: the records' fields in declaration order,
 * big-endian, so a state written by one accelerator reads back field for field. The layout
 * follows the machine image's version: version 1 ends at the flags byte (its vCPUs read back
 * with the debug registers as after RESET and nothing in flight); version 2 adds the debug
 * registers and {@link VcpuEvents}.
 */
final class VcpuStateCodec {
    /** More MSRs than any accelerator keeps: a larger count is a corrupt image, not a big CPU. */
    private static final int MAX_MSRS = 4096;
    private static final int MAX_LAPIC = 4096;

    private VcpuStateCodec() {
    }

    static byte[] encode(VcpuState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (long g : s.regs().gpr()) {
                out.writeLong(g);
            }
            out.writeLong(s.regs().rip());
            out.writeLong(s.regs().rflags());
            SystemRegisters r = s.sregs();
            for (Segment seg : new Segment[] {r.cs(), r.ds(), r.es(), r.fs(), r.gs(), r.ss(), r.tr(), r.ldt()}) {
                out.writeInt(seg.selector());
                out.writeLong(seg.base());
                out.writeInt(seg.limit());
                out.writeInt(seg.attributes());
            }
            for (DescriptorTable t : new DescriptorTable[] {r.gdt(), r.idt()}) {
                out.writeLong(t.base());
                out.writeInt(t.limit());
            }
            for (long v : new long[] {r.cr0(), r.cr2(), r.cr3(), r.cr4(), r.cr8(), r.efer(), r.apicBase()}) {
                out.writeLong(v);
            }
            Map<Integer, Long> msrs = new TreeMap<>(s.msrs());
            out.writeInt(msrs.size());
            for (Map.Entry<Integer, Long> e : msrs.entrySet()) {
                out.writeInt(e.getKey());
                out.writeLong(e.getValue());
            }
            out.write(s.fpu().fxsave());
            byte[] lapic = s.lapic();
            out.writeInt(lapic.length);
            out.write(lapic);
            out.writeByte((s.halted() ? 1 : 0) | (s.waitingForSipi() ? 2 : 0) | (s.interruptShadow() ? 4 : 0));
            DebugRegisters d = s.debug();
            for (long v : new long[] {d.dr0(), d.dr1(), d.dr2(), d.dr3(), d.dr6(), d.dr7()}) {
                out.writeLong(v);
            }
            VcpuEvents ev = s.events();
            out.writeByte((ev.nmiBlocked() ? 1 : 0) | (ev.nmiPending() ? 2 : 0) | (ev.nmiInjected() ? 4 : 0)
                    | (ev.exceptionHasErrorCode() ? 8 : 0) | (ev.softInterrupt() ? 16 : 0));
            out.writeShort(ev.exceptionVector());
            out.writeInt(ev.exceptionErrorCode());
            out.writeShort(ev.interruptVector());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * @throws IllegalArgumentException when the bytes are not a whole vCPU state
     */
    static VcpuState decode(byte[] data) {
        return decode(data, MachineImage.VERSION);
    }

    /**
     * @param version the machine image version the bytes come from
     * @throws IllegalArgumentException when the bytes are not a whole vCPU state
     */
    static VcpuState decode(byte[] data, int version) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            long[] gpr = new long[16];
            for (int i = 0; i < 16; i++) {
                gpr[i] = in.readLong();
            }
            Registers regs = new Registers(gpr, in.readLong(), in.readLong());
            Segment[] segs = new Segment[8];
            for (int i = 0; i < segs.length; i++) {
                segs[i] = new Segment(in.readInt(), in.readLong(), in.readInt(), in.readInt());
            }
            DescriptorTable gdt = new DescriptorTable(in.readLong(), in.readInt());
            DescriptorTable idt = new DescriptorTable(in.readLong(), in.readInt());
            long[] cr = new long[7];
            for (int i = 0; i < cr.length; i++) {
                cr[i] = in.readLong();
            }
            SystemRegisters sregs = new SystemRegisters(segs[0], segs[1], segs[2], segs[3], segs[4], segs[5], segs[6],
                    segs[7], gdt, idt, cr[0], cr[1], cr[2], cr[3], cr[4], cr[5], cr[6]);
            int count = in.readInt();
            if (count < 0 || count > MAX_MSRS) {
                throw new IllegalArgumentException("vCPU state lists " + count + " MSRs");
            }
            Map<Integer, Long> msrs = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                msrs.put(in.readInt(), in.readLong());
            }
            byte[] fx = new byte[FpuState.SIZE];
            in.readFully(fx);
            int lapicLength = in.readInt();
            if (lapicLength < 0 || lapicLength > MAX_LAPIC) {
                throw new IllegalArgumentException("vCPU state has a local APIC image of " + lapicLength + " bytes");
            }
            byte[] lapic = new byte[lapicLength];
            in.readFully(lapic);
            int flags = in.readUnsignedByte();
            DebugRegisters debug = DebugRegisters.RESET;
            VcpuEvents events = VcpuEvents.NONE;
            if (version >= 2) {
                debug = new DebugRegisters(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                        in.readLong());
                int ev = in.readUnsignedByte();
                if ((ev & ~0x1f) != 0) {
                    throw new IllegalArgumentException("vCPU state has unknown event flags 0x" + Integer.toHexString(ev));
                }
                events = new VcpuEvents((ev & 1) != 0, (ev & 2) != 0, (ev & 4) != 0, in.readShort(), (ev & 8) != 0,
                        in.readInt(), in.readShort(), (ev & 16) != 0);
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException("vCPU state has " + in.available() + " bytes too many");
            }
            return new VcpuState(regs, sregs, msrs, new FpuState(fx), lapic, (flags & 1) != 0, (flags & 2) != 0,
                    (flags & 4) != 0, debug, events);
        } catch (IOException e) {
            throw new IllegalArgumentException("vCPU state truncated (" + data.length + " bytes)", e);
        }
    }
}
