package vmm.x86.emu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import vmm.core.bus.Bus;
import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.hypervisor.VcpuExit;
import vmm.core.hypervisor.VmPlatform;
import vmm.core.hypervisor.state.DescriptorTable;
import vmm.core.hypervisor.state.FpuState;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.Segment;
import vmm.core.hypervisor.state.SystemRegisters;
import vmm.core.hypervisor.state.VcpuState;
import vmm.core.memory.GuestMemory;

/**
 * A small machine for CPU tests: RAM, empty buses, no APIC, code assembled with GNU as at test
 * time, and ready-made long-mode, protected-mode and real-mode states. Memory layout: GDT at
 * 0x500, PML4/PDPT/PD (identity 1 GiB in 2 MiB pages) at 0x1000-0x3fff, IDT at 0x4000, TSS at
 * 0x6000, stack top at 0x80000, code at 0x100000, data at 0x200000.
 */
final class GuestRig implements AutoCloseable {
    static final long GDT = 0x500, PML4 = 0x1000, IDT = 0x4000, TSS = 0x6000, STACK = 0x80000, CODE = 0x100000,
            DATA = 0x200000;
    static final int KCODE = 0x08, KDATA = 0x10, CODE32 = 0x18, UDATA = 0x23, UCODE = 0x2b, TSS_SEL = 0x30,
            CODE16 = 0x40, DATA16 = 0x48;

    final GuestMemory memory;
    final Bus pio = Bus.pio();
    final Bus mmio = Bus.mmio();
    final AcceleratedVm vm;
    final AcceleratedVcpu vcpu;
    private final int vcpus;

    GuestRig() throws Exception {
        this(1, 64L << 20);
    }

    GuestRig(int vcpus, long ram) throws Exception {
        this(vcpus, ram, null);
    }

    /** With {@code port} as every vCPU's local APIC. */
    GuestRig(int vcpus, long ram, InterruptPort port) throws Exception {
        this.vcpus = vcpus;
        memory = GuestMemory.allocate(ram);
        vm = new EmuHypervisor().createVm(platform(port));
        vcpu = vm.createVcpu(0);
        writeTables();
    }

    VmPlatform platform(InterruptPort port) {
        return new VmPlatform() {
            @Override
            public GuestMemory memory() {
                return memory;
            }

            @Override
            public Bus pio() {
                return pio;
            }

            @Override
            public Bus mmio() {
                return mmio;
            }

            @Override
            public int vcpuCount() {
                return vcpus;
            }

            @Override
            public InterruptPort interrupts(int index) {
                return port;
            }

            @Override
            public long tscKhz() {
                return 2_000_000;
            }
        };
    }

    private void writeTables() {
        long[] gdt = {0, 0x00af9b000000ffffL, 0x00cf93000000ffffL, 0x00cf9b000000ffffL, 0x00cff3000000ffffL,
                0x00affb000000ffffL, tssLow(), 0, 0x00009b000000ffffL, 0x000093000000ffffL};
        for (int k = 0; k < gdt.length; k++) {
            memory.writeLong(GDT + 8L * k, gdt[k]);
        }
        memory.writeLong(PML4, 0x2000 | 7);
        memory.writeLong(0x2000, 0x3000 | 7);
        for (int k = 0; k < 512; k++) {
            memory.writeLong(0x3000 + 8L * k, ((long) k << 21) | 0x87);
        }
        memory.writeLong(TSS + 4, STACK - 0x8000);
    }

    private static long tssLow() {
        long base = TSS;
        long limit = 0x67;
        return limit | ((base & 0xffffff) << 16) | (0x89L << 40) | ((base >>> 24) << 56);
    }

    static byte[] assemble(String source) throws IOException, InterruptedException {
        return assemble(source, 0);
    }

    /** Assembles and links {@code source} to run at {@code base} (absolute references resolved). */
    static byte[] assemble(String source, long base) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("emu-as");
        try {
            Path s = dir.resolve("t.s");
            Path o = dir.resolve("t.o");
            Path bin = dir.resolve("t.bin");
            Files.writeString(s, ".intel_syntax noprefix\n" + source + "\n");
            run(dir, "as", "--64", "-o", o.toString(), s.toString());
            Path elf = dir.resolve("t.elf");
            run(dir, "ld", "-m", "elf_x86_64", "-Ttext=0x" + Long.toHexString(base), "-e", "0x" + Long.toHexString(base),
                    "-o", elf.toString(), o.toString());
            run(dir, "objcopy", "-O", "binary", "-j", ".text", elf.toString(), bin.toString());
            return Files.readAllBytes(bin);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    void load(long gpa, byte[] bytes) {
        memory.write(gpa, ByteBuffer.wrap(bytes));
        vm.invalidateCode(gpa, bytes.length);
    }

    /** Assembles {@code source} at CODE (with .org-free flat code) and loads it. */
    void loadCode(String source) throws Exception {
        load(CODE, assemble(source, CODE));
    }

    static Segment seg(int sel, int attr) {
        return new Segment(sel, 0, 0xffffffff, attr);
    }

    static VcpuState longMode(long rip, long[] gpr) {
        long[] g = gpr == null ? new long[16] : gpr.clone();
        g[4] = STACK;
        Registers regs = new Registers(g, rip, 2);
        Segment code = seg(KCODE, 0xa09b);
        Segment data = seg(KDATA, 0xc093);
        SystemRegisters sregs = new SystemRegisters(code, data, data, data, data, data,
                new Segment(TSS_SEL, TSS, 0x67, 0x8b), new Segment(0, 0, 0, 0x10000),
                new DescriptorTable(GDT, 10 * 8 - 1), new DescriptorTable(IDT, 256 * 16 - 1),
                0x80050033L, 0, PML4, 0x6a0, 0, 0xd01, 0xfee00900L);
        return new VcpuState(regs, sregs, Map.of(), new FpuState(new byte[512]), new byte[0], false, false, false);
    }

    static VcpuState protectedMode(long rip) {
        long[] g = new long[16];
        g[4] = STACK;
        Registers regs = new Registers(g, rip, 2);
        Segment code = seg(CODE32, 0xc09b);
        Segment data = seg(KDATA, 0xc093);
        SystemRegisters sregs = new SystemRegisters(code, data, data, data, data, data,
                new Segment(0, 0, 0xffff, 0x8b), new Segment(0, 0, 0, 0x10000),
                new DescriptorTable(GDT, 10 * 8 - 1), new DescriptorTable(IDT, 256 * 8 - 1),
                0x11, 0, 0, 0, 0, 0, 0xfee00900L);
        return new VcpuState(regs, sregs, Map.of(), new FpuState(new byte[512]), new byte[0], false, false, false);
    }

    static VcpuState realMode(int cs, int ip) {
        long[] g = new long[16];
        g[4] = 0x7000;
        Registers regs = new Registers(g, ip, 2);
        Segment data = Segment.real(0, 3);
        SystemRegisters sregs = new SystemRegisters(Segment.real(cs, 0xb), data, data, data, data, data,
                new Segment(0, 0, 0xffff, 0x8b), new Segment(0, 0, 0xffff, 0x82),
                new DescriptorTable(GDT, 10 * 8 - 1), new DescriptorTable(0, 0x3ff), 0x10, 0, 0, 0, 0, 0, 0xfee00900L);
        return new VcpuState(regs, sregs, Map.of(), new FpuState(new byte[512]), new byte[0], false, false, false);
    }

    /** Runs until HLT; fails on any other exit. */
    VcpuState runToHalt() {
        VcpuExit exit = vcpu.run();
        if (!(exit instanceof VcpuExit.Halted)) {
            throw new AssertionError("expected HLT, got " + exit);
        }
        return vcpu.state();
    }

    /** Runs 64-bit code at CODE with the given registers and returns the state at HLT. */
    VcpuState run64(String source, long... regs) throws Exception {
        loadCode(source);
        long[] g = new long[16];
        System.arraycopy(regs, 0, g, 0, regs.length);
        vcpu.setState(longMode(CODE, g));
        return runToHalt();
    }

    static void assertHalted(VcpuExit exit) {
        assertInstanceOf(VcpuExit.Halted.class, exit);
    }

    static long reg(VcpuState s, int r) {
        return s.regs().gpr(r);
    }

    static void assertReg(VcpuState s, int r, long expected) {
        assertEquals(Long.toHexString(expected), Long.toHexString(s.regs().gpr(r)), "register " + r);
    }

    static Map<Integer, Long> msrs(long... pairs) {
        Map<Integer, Long> m = new HashMap<>();
        for (int k = 0; k < pairs.length; k += 2) {
            m.put((int) pairs[k], pairs[k + 1]);
        }
        return m;
    }

    /** Writes a 64-bit interrupt gate for {@code vector} to {@code handler}. */
    void gate64(int vector, long handler, int dpl, int ist) {
        long lo = (handler & 0xffff) | ((long) KCODE << 16) | ((long) ist << 32) | ((0x8eL | (dpl << 5)) << 40)
                | (((handler >>> 16) & 0xffff) << 48);
        memory.writeLong(IDT + 16L * vector, lo);
        memory.writeLong(IDT + 16L * vector + 8, handler >>> 32);
    }

    /** Writes a 32-bit interrupt gate. */
    void gate32(int vector, long handler, int dpl) {
        long g = (handler & 0xffff) | ((long) CODE32 << 16) | ((0x8eL | (dpl << 5)) << 40)
                | (((handler >>> 16) & 0xffff) << 48);
        memory.writeLong(IDT + 8L * vector, g);
    }

    @Override
    public void close() {
        vcpu.close();
        vm.close();
        memory.close();
    }
}
