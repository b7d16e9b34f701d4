package vmm.x86.emu.internal;

import vmm.core.hypervisor.state.DebugRegisters;
import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuEvents;
import vmm.core.hypervisor.state.VcpuState;
import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Msrs;

/** Converts between the CPU's fields and the SPI's state records; the power-on and SIPI states. */
final class VcpuStates {
    private VcpuStates() {
    }

    static VcpuState capture(Cpu c) {
        Registers regs = new Registers(c.r.clone(), c.rip, c.rflags());
        SystemRegisters sregs = new SystemRegisters(seg(c, Cpu.CS), seg(c, Cpu.DS), seg(c, Cpu.ES), seg(c, Cpu.FS),
                seg(c, Cpu.GS), seg(c, Cpu.SS), seg(c, Cpu.TR), seg(c, Cpu.LDTR),
                new DescriptorTable(c.gdtBase, c.gdtLimit), new DescriptorTable(c.idtBase, c.idtLimit), c.cr0, c.cr2,
                c.cr3, c.cr4, c.port != null ? c.port.cr8() : c.cr8NoPort, c.efer,
                c.port != null ? c.port.apicBase() : c.apicBaseNoPort);
        return new VcpuState(regs, sregs, Msrs.save(c), c.fpu.save(), new byte[0], c.halted || c.waitingForSipi,
                c.waitingForSipi, c.interruptShadow,
                new DebugRegisters(c.dr[0], c.dr[1], c.dr[2], c.dr[3], c.dr[6], c.dr[7]),
                // This CPU delivers an event within one step: only NMI blocking and a latched NMI are in flight.
                new VcpuEvents(c.nmiBlocked, c.nmiLatched, false, -1, false, 0, -1, false));
    }

    private static Segment seg(Cpu c, int s) {
        return new Segment(c.segSel[s], c.segBase[s], c.segLimit[s], c.segAttr[s]);
    }

    static void apply(Cpu c, VcpuState s) {
        long[] g = s.regs().gpr();
        System.arraycopy(g, 0, c.r, 0, 16);
        c.rip = s.regs().rip();
        c.setRflags(s.regs().rflags());
        SystemRegisters sr = s.sregs();
        c.cr0 = sr.cr0() | Cpu.CR0_ET;
        c.cr2 = sr.cr2();
        c.cr3 = sr.cr3();
        c.cr4 = sr.cr4();
        c.efer = sr.efer();
        if (c.port != null) {
            c.port.setCr8((int) sr.cr8());
            if (sr.apicBase() != 0) {
                c.port.setApicBase(sr.apicBase());
            }
        } else {
            c.cr8NoPort = sr.cr8();
            if (sr.apicBase() != 0) {
                c.apicBaseNoPort = sr.apicBase();
            }
        }
        c.gdtBase = sr.gdt().base();
        c.gdtLimit = sr.gdt().limit();
        c.idtBase = sr.idt().base();
        c.idtLimit = sr.idt().limit();
        c.cpl = c.pe() ? sr.cs().selector() & 3 : 0;
        put(c, Cpu.ES, sr.es());
        put(c, Cpu.DS, sr.ds());
        put(c, Cpu.FS, sr.fs());
        put(c, Cpu.GS, sr.gs());
        put(c, Cpu.LDTR, sr.ldt());
        put(c, Cpu.TR, sr.tr());
        put(c, Cpu.SS, sr.ss());
        put(c, Cpu.CS, sr.cs());
        Msrs.restore(c, s.msrs());
        c.fpu.restore(s.fpu());
        c.waitingForSipi = s.waitingForSipi();
        c.halted = s.halted() && !s.waitingForSipi();
        c.interruptShadow = s.interruptShadow();
        DebugRegisters d = s.debug();
        c.dr[0] = d.dr0();
        c.dr[1] = d.dr1();
        c.dr[2] = d.dr2();
        c.dr[3] = d.dr3();
        // DR6 and DR7 are 32 bits wide in long mode too (MOV DR #GPs on the upper half).
        c.dr[6] = d.dr6() & 0xffffffffL;
        c.dr[7] = d.dr7() & 0xffffffffL;
        VcpuEvents ev = s.events();
        c.nmiBlocked = ev.nmiBlocked();
        c.nmiLatched = ev.nmiPending();
        c.mem.flushAll();
        c.updateMode();
        c.stop = false;
    }

    private static void put(Cpu c, int s, Segment seg) {
        c.setSegment(s, seg.selector(), seg.base(), seg.limit(), seg.attributes());
    }

    /** The power-on (RESET) state; APs wait for SIPI. */
    static void powerOn(Cpu c, boolean ap) {
        java.util.Arrays.fill(c.r, 0);
        c.r[2] = 0x00060fb1L;
        c.setRflags(2);
        c.cr0 = 0x60000010L;
        c.cr2 = 0;
        c.cr3 = 0;
        c.cr4 = 0;
        c.efer = 0;
        c.cpl = 0;
        c.gdtBase = 0;
        c.gdtLimit = 0xffff;
        c.idtBase = 0;
        c.idtLimit = 0xffff;
        java.util.Arrays.fill(c.dr, 0);
        c.dr[6] = 0xffff0ff0L;
        c.dr[7] = 0x400;
        for (int s = 0; s < 6; s++) {
            c.setSegment(s, 0, 0, 0xffff, 0x93);
        }
        c.setSegment(Cpu.CS, 0xf000, 0xffff0000L, 0xffff, 0x9b);
        c.setSegment(Cpu.LDTR, 0, 0, 0xffff, 0x82);
        c.setSegment(Cpu.TR, 0, 0, 0xffff, 0x8b);
        c.rip = 0xfff0;
        c.star = 0;
        c.lstar = 0;
        c.cstar = 0;
        c.sfmask = 0;
        c.kernelGsBase = 0;
        c.sysenterCs = 0;
        c.sysenterEsp = 0;
        c.sysenterEip = 0;
        c.pat = 0x0007040600070406L;
        c.mtrrDefType = 0;
        c.halted = false;
        c.waitingForSipi = ap;
        c.interruptShadow = false;
        c.nmiBlocked = false;
        c.nmiLatched = false;
        c.fpu.reset();
        c.mem.flushAll();
        c.updateMode();
        c.stop = false;
    }

    /** SIPI with {@code vector}: real mode at vector * 4096. */
    static void startAt(Cpu c, int vector) {
        c.waitingForSipi = false;
        c.halted = false;
        c.setSegment(Cpu.CS, (vector & 0xff) << 8, (long) (vector & 0xff) << 12, 0xffff, 0x9b);
        c.rip = 0;
    }
}
