package vmm.x86.emu.internal.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
import vmm.x86.emu.internal.EmuHypervisor;

/**
 * gcc-compiled floating-point code (SSE2 scalar and vectorised loops, x87 long double, integer
 * conversions, SSSE3/SSE4.1 intrinsics) run natively and on the whole software CPU: the core
 * decodes and addresses, this unit computes; the output bytes must be the host's.
 */
class FpuProgramTest {

    private static final long GDT = 0x500;
    private static final long PML4 = 0x1000;
    private static final long STACK = 0x80000;
    private static final long CODE = 0x100000;
    private static final long OUT = 0x200000;

    private static Path dir;

    @BeforeAll
    static void tempDir() throws IOException {
        String arch = System.getProperty("os.arch");
        Assumptions.assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "needs an x86-64 host, this is " + arch);
        dir = Files.createTempDirectory("fpu-program");
    }

    @AfterAll
    static void cleanup() throws IOException {
        if (dir != null) {
            try (var s = Files.walk(dir)) {
                for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    @Test
    void compiledFloatingPointCodeMatchesTheHost() throws Exception {
        Path src = dir.resolve("fpmath.c");
        try (InputStream in = FpuProgramTest.class.getResourceAsStream("fpmath.c")) {
            Files.write(src, in.readAllBytes());
        }
        run("gcc", "-O2", "-fno-pic", "-fno-stack-protector", "-mno-red-zone", "-ffreestanding", "-fno-builtin",
                "-fno-math-errno", "-c", "fpmath.c", "-o", "fpmath.o");
        Files.writeString(dir.resolve("main.c"), """
                #include <stdio.h>
                long test(unsigned char *out);
                int main() { static unsigned char out[1024]; long r = test(out); printf("%lx\\n", r);
                  for (int i = 0; i < 1024; i++) printf("%02x", out[i]); printf("\\n"); return 0; }
                """);
        run("gcc", "-no-pie", "main.c", "fpmath.o", "-o", "native");
        String[] want = run(dir.resolve("native").toString()).split("\n");

        // the guest starts with the power-on FPU state, as after RESET
        Files.writeString(dir.resolve("start.s"), """
                .intel_syntax noprefix
                .globl _start
                _start:
                    mov rdi, 0x200000
                    call test
                    hlt
                """);
        run("as", "--64", "-o", "start.o", "start.s");
        run("ld", "-m", "elf_x86_64", "-Ttext=0x100000", "-e", "_start", "-o", "guest.elf", "start.o", "fpmath.o");
        run("objcopy", "-O", "binary", "guest.elf", "guest.bin");
        byte[] image = Files.readAllBytes(dir.resolve("guest.bin"));

        try (GuestMemory memory = GuestMemory.allocate(64L << 20)) {
            writeTables(memory);
            memory.write(CODE, ByteBuffer.wrap(image));
            AcceleratedVm vm = new EmuHypervisor().createVm(platform(memory));
            try (vm; AcceleratedVcpu vcpu = vm.createVcpu(0)) {
                vcpu.setState(longMode());
                VcpuExit exit = vcpu.run();
                assertInstanceOf(VcpuExit.Halted.class, exit, "the program ran to its HLT");
                VcpuState s = vcpu.state();
                byte[] out = new byte[1024];
                memory.read(OUT, ByteBuffer.wrap(out));
                assertEquals(want[0], Long.toHexString(s.regs().gpr(0)), "bytes written");
                assertEquals(want[1], HexFormat.of().formatHex(out));
            }
        }
    }

    private static void writeTables(GuestMemory memory) {
        long[] gdt = {0, 0x00af9b000000ffffL, 0x00cf93000000ffffL};
        for (int k = 0; k < gdt.length; k++) {
            memory.writeLong(GDT + 8L * k, gdt[k]);
        }
        memory.writeLong(PML4, 0x2000 | 7);
        memory.writeLong(0x2000, 0x3000 | 7);
        for (int k = 0; k < 512; k++) {
            memory.writeLong(0x3000 + 8L * k, ((long) k << 21) | 0x87);
        }
    }

    private static VcpuState longMode() {
        long[] g = new long[16];
        g[4] = STACK;
        Segment code = new Segment(0x08, 0, 0xffffffff, 0xa09b);
        Segment data = new Segment(0x10, 0, 0xffffffff, 0xc093);
        SystemRegisters sregs = new SystemRegisters(code, data, data, data, data, data,
                new Segment(0, 0, 0x67, 0x8b), new Segment(0, 0, 0, 0x10000),
                new DescriptorTable(GDT, 3 * 8 - 1), new DescriptorTable(0, 0),
                0x80050033L, 0, PML4, 0x6a0, 0, 0xd01, 0xfee00900L);
        byte[] fx = new FpuUnit().save().fxsave();
        return new VcpuState(new Registers(g, CODE, 2), sregs, Map.of(), new FpuState(fx), new byte[0], false,
                false, false);
    }

    private static VmPlatform platform(GuestMemory memory) {
        Bus pio = Bus.pio();
        Bus mmio = Bus.mmio();
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
                return 1;
            }

            @Override
            public InterruptPort interrupts(int index) {
                return null;
            }

            @Override
            public long tscKhz() {
                return 2_000_000;
            }
        };
    }
}
