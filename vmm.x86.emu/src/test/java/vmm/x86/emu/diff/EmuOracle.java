package vmm.x86.emu.diff;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import vmm.core.bus.Bus;
import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.Hypervisor;
import vmm.core.hypervisor.HypervisorException;
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
 * The software CPU under test, driven through the accelerator SPI: a 64-bit ring-0 guest with
 * identity-mapped pages (4 KiB over the snippets and the data window, 2 MiB elsewhere), a GDT, and an IDT whose handlers write the vector to
 * {@link #EXC_MARK} and halt, so an exception shows up as a vector rather than a triple fault.
 */
final class EmuOracle implements AutoCloseable {
    static final String EMU_CLASS = "vmm.x86.emu.internal.EmuHypervisor";
    private static final long GDT = 0x1000, PML4 = 0x2000, PDPT = 0x3000, PD = 0x4000, IDT = 0x5000,
            STUBS = 0x6000, EXC_MARK = 0x7000, PT = 0x8000;
    private static final long RAM = 16L << 20;
    /** Kicks a vCPU whose snippet runs for too long, so that a looping case fails instead of hanging. */
    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "diff-watchdog");
                t.setDaemon(true);
                return t;
            });

    private final GuestMemory memory;
    private final AcceleratedVm vm;
    private final AcceleratedVcpu vcpu;
    private final SystemRegisters sregs;
    private final FpuState fpu;

    private EmuOracle(Hypervisor hv) throws HypervisorException {
        memory = GuestMemory.allocate(RAM);
        buildTables();
        Bus pio = Bus.pio(), mmio = Bus.mmio();
        vm = hv.createVm(new VmPlatform() {
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
                return 1_000_000;
            }
        });
        vcpu = vm.createVcpu(0);
        Segment code = new Segment(0x8, 0, 0xffffffff, 0xb | 0x10 | Segment.PRESENT | Segment.LONG
                | Segment.GRANULARITY);
        Segment data = new Segment(0x10, 0, 0xffffffff, 0x3 | 0x10 | Segment.PRESENT | Segment.DB
                | Segment.GRANULARITY);
        Segment tr = new Segment(0x18, 0, 0x67, 0xb | Segment.PRESENT);
        Segment ldt = new Segment(0, 0, 0, Segment.UNUSABLE);
        sregs = new SystemRegisters(code, data, data, data, data, data, tr, ldt,
                new DescriptorTable(GDT, 5 * 8 - 1), new DescriptorTable(IDT, 32 * 16 - 1),
                0x80050033L, 0, PML4, 0x620, 0, 0xd01, 0xfee00900L);
        byte[] fx = new byte[FpuState.SIZE];
        fx[0] = 0x7f;
        fx[1] = 0x03;
        fx[24] = (byte) 0x80;
        fx[25] = 0x1f;
        fpu = new FpuState(fx);
    }

    /** The software CPU, or null when this build does not have it yet. */
    static Hypervisor emulator() {
        try {
            return (Hypervisor) Class.forName(EMU_CLASS).getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + EMU_CLASS, e);
        }
    }

    static EmuOracle create(Hypervisor hv) throws HypervisorException {
        return new EmuOracle(hv);
    }

    private void buildTables() {
        memory.writeLong(GDT + 8, 0x00209a0000000000L);   // 64-bit code, DPL 0
        memory.writeLong(GDT + 16, 0x00cf92000000ffffL);  // flat data
        memory.writeLong(GDT + 24, 0x00008b0000000067L);  // busy 64-bit TSS at 0 (low half)
        memory.writeLong(PML4, PDPT | 3);
        memory.writeLong(PDPT, PD | 3);
        for (int i = 0; i < 512; i++) {
            memory.writeLong(PD + 8L * i, ((long) i << 21) | 0x83);
        }
        // 4 KiB pages over the code and data (2-4 MiB), so that the window crosses a page.
        memory.writeLong(PD + 8, PT | 3);
        for (int i = 0; i < 512; i++) {
            memory.writeLong(PT + 8L * i, 0x200000 + ((long) i << 12) | 3);
        }
        for (int v = 0; v < 32; v++) {
            long handler = STUBS + 16L * v;
            long lo = (handler & 0xffff) | (0x8L << 16) | (0x8eL << 40) | ((handler >>> 16 & 0xffff) << 48);
            memory.writeLong(IDT + 16L * v, lo);
            memory.writeLong(IDT + 16L * v + 8, handler >>> 32);
            // mov dword ptr [EXC_MARK], v ; hlt
            byte[] stub = {(byte) 0xc7, 0x04, 0x25, 0, 0x70, 0, 0, (byte) v, 0, 0, 0, (byte) 0xf4};
            memory.write(handler, ByteBuffer.wrap(stub));
        }
    }

    /** Loads the code image with a HLT after each form. */
    void load(Assembled code) {
        byte[] image = code.code().clone();
        for (int e : code.end()) {
            image[e] = (byte) 0xf4;
        }
        memory.write(Layout.CODE_BASE, ByteBuffer.wrap(image));
        vm.invalidateCode(Layout.CODE_BASE, image.length);
    }

    List<CaseOutput> run(List<CaseInput> cases) {
        List<CaseOutput> outs = new ArrayList<>(cases.size());
        for (CaseInput c : cases) {
            outs.add(run(c));
        }
        return outs;
    }

    CaseOutput run(CaseInput c) {
        memory.write(Layout.MEM_BASE, ByteBuffer.wrap(c.mem()));
        memory.writeInt(EXC_MARK, -1);
        long rip = Layout.CODE_BASE + (long) c.form() * Layout.SLOT;
        vcpu.setState(new VcpuState(new Registers(c.gpr(), rip, c.rflags()), sregs, Map.of(), fpu,
                new byte[0], false, false, false));
        var watchdog = WATCHDOG.schedule(vcpu::kick, 10, java.util.concurrent.TimeUnit.SECONDS);
        VcpuExit exit = vcpu.run();
        watchdog.cancel(false);
        VcpuState s = vcpu.state();
        int vector = memory.readInt(EXC_MARK);
        if (!(exit instanceof VcpuExit.Halted) && vector < 0) {
            throw new IllegalStateException("form " + c.form() + ": the CPU did not halt: " + exit);
        }
        byte[] mem = new byte[c.mem().length];
        memory.read(Layout.MEM_BASE, ByteBuffer.wrap(mem));
        return new CaseOutput(s.regs().gpr(), s.regs().rflags(), mem, vector);
    }

    @Override
    public void close() {
        vcpu.close();
        vm.close();
        memory.close();
    }
}
