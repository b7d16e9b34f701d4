package vmm.core.internal.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import vmm.core.hypervisor.Hypervisor;
import vmm.core.hypervisor.VcpuExit;
import vmm.core.hypervisor.state.Registers;
import vmm.core.hypervisor.state.VcpuState;
import vmm.core.loader.MultibootLoader;
import vmm.core.machine.AcceleratorChoice;
import vmm.core.machine.Console;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.MachineException;
import vmm.core.machine.MachineExit;
import vmm.core.machine.MachineState;
import vmm.core.machine.Machines;
import vmm.core.machine.RebootPolicy;

/**
 * The machine's control paths with a scripted accelerator: boot state, debug exit, resets,
 * triple faults, accelerator errors, pause/resume, the choice of accelerator.
 */
class PcMachineTest {

    @TempDir
    Path dir;

    /** A multiboot ELF32 (header only, entry at 1 MiB + 0x10). */
    private Path kernel() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(0x200).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 1, 1, 1});
        b.putShort(16, (short) 2).putShort(18, (short) 3).putInt(20, 1).putInt(24, 0x10_0010).putInt(28, 52);
        b.putShort(40, (short) 52).putShort(42, (short) 32).putShort(44, (short) 1);
        b.putInt(52, 1).putInt(56, 0x100).putInt(60, 0x10_0000).putInt(64, 0x10_0000).putInt(68, 0x100)
                .putInt(72, 0x100);
        b.putInt(0x100, 0x1BADB002).putInt(0x104, 0).putInt(0x108, -0x1BADB002);
        return Files.write(dir.resolve("k.elf"), b.array());
    }

    private static void out(vmm.core.hypervisor.VmPlatform p, int port, int value) {
        p.pio().write(port, new byte[] {(byte) value});
    }

    private Machine machine(ScriptedHypervisor.Program program, RebootPolicy policy, Console console, int cpus)
            throws Exception {
        MachineConfig c = MachineConfig.builder(kernel()).memory(16 << 20).cpus(cpus).commandLine("x=1")
                .accelerator("emu").console(console).reboot(policy).build();
        return Machines.create(c, List.of(new ScriptedHypervisor("emu", true, program)));
    }

    @Test
    void bootStateSerialAndDebugExit() throws Exception {
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        VcpuState[] seen = new VcpuState[1];
        try (Machine m = machine((cpu, p) -> {
            if (cpu.index == 0) {
                seen[0] = cpu.state();
                for (byte c : "hi\n".getBytes(StandardCharsets.US_ASCII)) {
                    out(p, 0x3f8, c);
                }
                out(p, 0xf4, 0x21);
                return new VcpuExit.Kicked();
            }
            return null;
        }, RebootPolicy.RESET, Console.output(serial), 2)) {
            assertEquals(MachineState.CREATED, m.state());
            m.start();
            MachineExit exit = m.awaitExit(Duration.ofSeconds(10)).orElseThrow();
            assertEquals(new MachineExit.DebugExit(0x21), exit);
            assertEquals(0x43, exit.status());
            assertEquals(MachineState.STOPPED, m.state());
        }
        assertEquals("hi\n", serial.toString(StandardCharsets.US_ASCII));
        Registers r = seen[0].regs();
        assertEquals(0x10_0010, r.rip());
        assertEquals(Integer.toUnsignedLong(MultibootLoader.BOOTLOADER_MAGIC), r.gpr(Registers.RAX));
        assertEquals(0x6000, r.gpr(Registers.RBX));
        assertEquals(0x11, seen[0].sregs().cr0());
        assertEquals(BootCpuState.CODE32, seen[0].sregs().cs().attributes());
    }

    /**
     * Loading the kernel keeps the board's BIOS IVT: IRQ0's vector acknowledges the PIC, so the
     * 18.2 Hz tick keeps coming (kvm-unit-tests realmode halted for ever when a plain IRET took it).
     */
    @Test
    void theKernelBootsOverTheBoardsBiosIvt() throws Exception {
        int[] ivt = new int[3];
        try (Machine m = machine((cpu, p) -> {
            if (cpu.index == 0) {
                ivt[0] = p.memory().readInt(8 * 4);
                ivt[1] = p.memory().readInt(0x70 * 4);
                ivt[2] = p.memory().readInt(0x10 * 4);
                out(p, 0xf4, 0);
                return new VcpuExit.Kicked();
            }
            return null;
        }, RebootPolicy.RESET, Console.output(new ByteArrayOutputStream()), 1)) {
            m.start();
            assertEquals(new MachineExit.DebugExit(0), m.awaitExit(Duration.ofSeconds(10)).orElseThrow());
        }
        assertEquals(0xf000_0001, ivt[0], "IRQ0: the master PIC's EOI stub");
        assertEquals(0xf000_0008, ivt[1], "IRQ8: the EOI stub for both PICs");
        assertEquals(0xf000_0000, ivt[2], "a software vector: an IRET");
    }

    @Test
    void aResetThroughCf9BootsAgainAndNoRebootEndsTheMachine() throws Exception {
        AtomicInteger boots = new AtomicInteger();
        ScriptedHypervisor.Program program = (cpu, p) -> {
            if (cpu.index == 0 && cpu.state().regs().rip() == 0x10_0010) {
                cpu.setState(ScriptedHypervisor.powerOn()); // "ran" past the entry
                if (boots.incrementAndGet() < 3) {
                    out(p, 0xcf9, 0x06);
                } else {
                    out(p, 0xf4, 0);
                }
                return new VcpuExit.Kicked();
            }
            return null;
        };
        try (Machine m = machine(program, RebootPolicy.RESET, Console.none(), 1)) {
            m.start();
            assertEquals(new MachineExit.DebugExit(0), m.awaitExit(Duration.ofSeconds(10)).orElseThrow());
        }
        assertEquals(3, boots.get());

        boots.set(0);
        try (Machine m = machine(program, RebootPolicy.EXIT, Console.none(), 1)) {
            m.start();
            MachineExit exit = m.awaitExit(Duration.ofSeconds(10)).orElseThrow();
            assertTrue(exit instanceof MachineExit.ResetRequested r && r.source().contains("0xcf9"), exit.toString());
            assertEquals(0, exit.status());
        }
    }

    /**
     * The first vCPU ends the machine before start() has made the other vCPUs' threads (a test
     * guest that exits at once did this with two vCPUs): the machine still ends, every time.
     */
    @Test
    void aGuestThatEndsBeforeItsOtherVcpusStartStillEnds() throws Exception {
        for (int round = 0; round < 20; round++) {
            try (Machine m = machine((cpu, p) -> {
                if (cpu.index == 0) {
                    out(p, 0xf4, 0);
                    return new VcpuExit.Kicked();
                }
                return null;
            }, RebootPolicy.RESET, Console.none(), 32)) {
                m.start();
                assertEquals(new MachineExit.DebugExit(0), m.awaitExit(Duration.ofSeconds(10)).orElseThrow(),
                        "round " + round);
            }
        }
    }

    @Test
    void anAcpiS5RequestPowersOff() throws Exception {
        try (Machine m = machine((cpu, p) -> {
            if (cpu.index == 0) {
                int slpTypS5 = 5 << 10;
                int slpEn = 1 << 13;
                short value = (short) (slpTypS5 | slpEn);
                p.pio().write(0x604, new byte[] {(byte) value, (byte) (value >> 8)}); // PM1a_CNT
                return new VcpuExit.Kicked();
            }
            return null;
        }, RebootPolicy.RESET, Console.none(), 1)) {
            m.start();
            assertEquals(new MachineExit.PoweredOff(), m.awaitExit(Duration.ofSeconds(10)).orElseThrow());
        }
    }

    @Test
    void aTripleFaultIsACrashWithRegistersUnderNoReboot() throws Exception {
        try (Machine m = machine((cpu, p) -> cpu.index == 0
                ? new VcpuExit.TripleFault(cpu.state(), "#DF while delivering #GP") : null,
                RebootPolicy.EXIT, Console.none(), 1)) {
            m.start();
            MachineExit.Crashed c = (MachineExit.Crashed) m.awaitExit(Duration.ofSeconds(10)).orElseThrow();
            assertEquals("triple fault", c.reason());
            assertTrue(c.report().contains("RIP=0000000000100010"), c.report());
            assertTrue(c.report().contains("RAX=000000002badb002"), c.report());
            assertTrue(c.report().contains("#DF while delivering #GP"), c.report());
            assertEquals(MachineExit.Crashed.STATUS, c.status());
        }
    }

    @Test
    void anAcceleratorErrorOrAFailingVcpuIsACrashNotAHang() throws Exception {
        try (Machine m = machine((cpu, p) -> new VcpuExit.InternalError("emulation failure", cpu.state(),
                new byte[] {0x0f, 0x0b}), RebootPolicy.RESET, Console.none(), 1)) {
            m.start();
            MachineExit.Crashed c = (MachineExit.Crashed) m.awaitExit(Duration.ofSeconds(10)).orElseThrow();
            assertTrue(c.report().contains("Code at RIP: 0f 0b"), c.report());
        }
        try (Machine m = machine((cpu, p) -> {
            throw new IllegalStateException("bug in the accelerator");
        }, RebootPolicy.RESET, Console.none(), 2)) {
            m.start();
            MachineExit.Crashed c = (MachineExit.Crashed) m.awaitExit(Duration.ofSeconds(10)).orElseThrow();
            assertTrue(c.reason().contains("bug in the accelerator"), c.reason());
        }
    }

    @Test
    void pauseStopsEveryVcpuAndResumeGoesOn() throws Exception {
        try (Machine m = machine((cpu, p) -> null, RebootPolicy.RESET, Console.none(), 3)) {
            m.start();
            m.pause();
            assertEquals(MachineState.PAUSED, m.state());
            // Every vCPU thread has run: its CPU time and the host CPU it ran on are known (Linux /proc).
            var stats = m.vcpuStats();
            assertEquals(3, stats.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(i, stats.get(i).vcpu());
                assertTrue(stats.get(i).cpuTimeNs() > 0, stats.toString());
                assertTrue(stats.get(i).hostCpu() >= 0 && stats.get(i).hostCpu() < 4096, stats.toString());
            }
            m.resume();
            assertEquals(MachineState.RUNNING, m.state());
            m.reset();
            assertEquals(MachineState.RUNNING, m.state());
            m.powerOff();
            assertEquals(new MachineExit.PoweredOff(), m.awaitExit(Duration.ofSeconds(10)).orElseThrow());
        }
    }

    @Test
    void consoleInputReachesTheGuest() throws Exception {
        StringBuilder got = new StringBuilder();
        java.io.InputStream in = new java.io.ByteArrayInputStream("ok".getBytes(StandardCharsets.US_ASCII));
        try (Machine m = machine((cpu, p) -> {
            if (cpu.index == 0) {
                byte[] lsr = new byte[1];
                p.pio().read(0x3fd, lsr);
                if ((lsr[0] & 1) != 0) {
                    byte[] c = new byte[1];
                    p.pio().read(0x3f8, c);
                    got.append((char) c[0]);
                    if (got.length() == 2) {
                        out(p, 0xf4, 1);
                        return new VcpuExit.Kicked();
                    }
                }
            }
            return null;
        }, RebootPolicy.RESET, new Console(java.io.OutputStream.nullOutputStream(), in), 1)) {
            m.start();
            assertEquals(new MachineExit.DebugExit(1), m.awaitExit(Duration.ofSeconds(10)).orElseThrow());
        }
        assertEquals("ok", got.toString());
    }

    @Test
    void acceleratorChoice() throws MachineException {
        Hypervisor kvmDown = new ScriptedHypervisor("kvm", false, (c, p) -> null);
        Hypervisor kvmUp = new ScriptedHypervisor("kvm", true, (c, p) -> null);
        Hypervisor emu = new ScriptedHypervisor("emu", true, (c, p) -> null);
        AcceleratorChoice a = AcceleratorChoice.choose("auto", List.of(kvmDown, emu));
        assertEquals("emu", a.name());
        assertTrue(a.reason().contains("kvm is unavailable (kvm: ENOENT)"), a.reason());
        assertEquals("kvm", AcceleratorChoice.choose(null, List.of(kvmUp, emu)).name());
        assertEquals("emu", AcceleratorChoice.choose("emu", List.of(kvmUp, emu)).name());
        MachineException e = assertThrows(MachineException.class, () -> AcceleratorChoice.choose("kvm", List.of(kvmDown, emu)));
        assertTrue(e.getMessage().contains("cannot run guests here: kvm: ENOENT"), e.getMessage());
        e = assertThrows(MachineException.class, () -> AcceleratorChoice.choose("tcg", List.of(emu)));
        assertTrue(e.getMessage().contains("no accelerator named 'tcg'"), e.getMessage());
        e = assertThrows(MachineException.class, () -> AcceleratorChoice.choose("auto", List.of(kvmDown)));
        assertTrue(e.getMessage().contains("no usable accelerator"), e.getMessage());
    }

    @Test
    void aKernelThatCannotBeLoadedIsANamedError() throws IOException {
        Path junk = Files.write(dir.resolve("junk"), new byte[4096]);
        MachineConfig c = MachineConfig.builder(junk).memory(16 << 20).accelerator("emu").build();
        MachineException e = assertThrows(MachineException.class,
                () -> Machines.create(c, List.of(new ScriptedHypervisor("emu", true, (cpu, p) -> null))));
        assertTrue(e.getMessage().startsWith("cannot load the kernel: " + junk), e.getMessage());
    }
}
