package vmm.core.internal.machine;

import java.util.HexFormat;

import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuState;
import vmm.core.memory.GuestMemory;
import vmm.core.memory.GuestMemoryException;

/** A crashed vCPU's registers and code bytes, as text for the log and the user. */
final class CrashReport {

    private static final String[] NAMES = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
            "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"};

    private CrashReport() {
    }

    static String format(int vcpu, String reason, VcpuState state, byte[] bytes, GuestMemory memory) {
        StringBuilder s = new StringBuilder();
        s.append("vCPU ").append(vcpu).append(": ").append(reason).append('\n');
        if (state == null) {
            return s.append("(no register state)\n").toString();
        }
        Registers r = state.regs();
        for (int i = 0; i < 16; i++) {
            s.append(String.format("%-3s=%016x%s", NAMES[i], r.gpr(i), i % 4 == 3 ? "\n" : " "));
        }
        s.append(String.format("RIP=%016x RFL=%08x%n", r.rip(), r.rflags()));
        SystemRegisters sr = state.sregs();
        segment(s, "CS", sr.cs());
        segment(s, "SS", sr.ss());
        segment(s, "DS", sr.ds());
        segment(s, "TR", sr.tr());
        s.append(String.format("GDT=%016x/%x IDT=%016x/%x%n", sr.gdt().base(), sr.gdt().limit(), sr.idt().base(),
                sr.idt().limit()));
        s.append(String.format("CR0=%08x CR2=%016x CR3=%016x CR4=%08x EFER=%x%n", sr.cr0(), sr.cr2(), sr.cr3(),
                sr.cr4(), sr.efer()));
        byte[] code = bytes != null && bytes.length > 0 ? bytes : codeAt(memory, sr.cs().base() + r.rip(), sr.cr0());
        s.append("Code at RIP: ").append(code == null ? "(not readable)" : HexFormat.ofDelimiter(" ").formatHex(code))
                .append('\n');
        return s.toString();
    }

    private static void segment(StringBuilder s, String name, Segment seg) {
        s.append(String.format("%s=%04x base=%016x limit=%08x attr=%05x%n", name, seg.selector(), seg.base(),
                seg.limit(), seg.attributes()));
    }

    /** With paging off the linear address is physical; with paging on we do not walk the tables. */
    private static byte[] codeAt(GuestMemory memory, long linear, long cr0) {
        if ((cr0 & BootCpuState.CR0_PG) != 0) {
            return null;
        }
        try {
            byte[] b = new byte[16];
            for (int i = 0; i < b.length; i++) {
                b[i] = memory.readByte(linear + i);
            }
            return b;
        } catch (GuestMemoryException e) {
            return null;
        }
    }
}
