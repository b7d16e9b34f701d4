package vmm.x86.emu.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import vmm.core.bus.Bus;
import vmm.core.device.BusDevice;
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
import vmm.core.loader.BootInfo;
import vmm.core.loader.BzImageLoader;
import vmm.core.loader.E820Map;
import vmm.core.memory.GuestMemory;

/**
 * Boots Debian's cloud kernel on the software CPU with a bare serial port and no interrupt
 * controllers, printing the console, for investigating how far a boot gets. Not a test:
 * {@code java ... LinuxBootProbe [seconds] [cmdline]}.
 */
public final class LinuxBootProbe {
    private LinuxBootProbe() {
    }

    /** COM1 reduced to what a polling console needs: THR writes, LSR always ready. */
    static final class Com1 implements BusDevice {
        final StringBuilder out = new StringBuilder();

        @Override
        public void read(long offset, byte[] data) {
            java.util.Arrays.fill(data, (byte) 0);
            if (offset == 5) {
                data[0] = 0x60;
            }
        }

        @Override
        public void write(long offset, byte[] data) {
            if (offset == 0) {
                char ch = (char) (data[0] & 0xff);
                synchronized (out) {
                    out.append(ch);
                }
                System.out.print(ch);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        String cmdline = args.length > 1 ? args[1] : "console=ttyS0 earlyprintk=serial,ttyS0 lpj=1000000 tsc_early_khz=2000000 noapic nolapic acpi=off";
        Path kernel = Path.of(System.getProperty("user.home"), ".cache/vmm/guest/kernel/boot/vmlinuz-6.1.0-57-cloud-amd64");
        GuestMemory memory = GuestMemory.allocate(512L << 20);
        E820Map e820 = E820Map.of(memory, List.of(E820Map.LEGACY_HOLE));
        BootInfo boot = new BzImageLoader(memory, e820).load(kernel, cmdline, null);
        Bus pio = Bus.pio();
        Bus mmio = Bus.mmio();
        Com1 com1 = new Com1();
        pio.insert(com1, 0x3f8, 8);
        AcceleratedVm vm = new EmuHypervisor().createVm(new VmPlatform() {
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
        });
        AcceleratedVcpu vcpu = vm.createVcpu(0);
        vcpu.setState(bootState(boot, memory));
        long start = System.nanoTime();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(seconds * 1000L);
            } catch (InterruptedException e) {
                return;
            }
            vcpu.kick();
        });
        t.setDaemon(true);
        t.start();
        VcpuExit exit = vcpu.run();
        double secs = (System.nanoTime() - start) / 1e9;
        long n = ((EmuVcpu) vcpu).instructions();
        VcpuState s = vcpu.state();
        System.out.printf("%n--- exit %s after %.1f s, %d instructions (%.1f MIPS), rip=0x%x cr0=0x%x cr3=0x%x%n",
                exit.getClass().getSimpleName(), secs, n, n / secs / 1e6, s.regs().rip(), s.sregs().cr0(),
                s.sregs().cr3());
        if (exit instanceof VcpuExit.InternalError e) {
            System.out.println(e.message());
        } else if (exit instanceof VcpuExit.TripleFault tf) {
            System.out.println(tf.detail());
        }
        System.out.println("code-page epoch " + ((EmuVcpu) vcpu).cpu.mem.phys().codeEpoch.get());
        long[] g = s.regs().gpr();
        for (int k = 0; k < 16; k++) {
            System.out.printf("r%d=%x ", k, g[k]);
        }
        System.out.println();
        String needle = System.getProperty("probe.find");
        if (needle != null) {
            byte[] ram = new byte[(int) Math.min(memory.size(), 512L << 20)];
            memory.read(0, java.nio.ByteBuffer.wrap(ram));
            String all = new String(ram, java.nio.charset.StandardCharsets.ISO_8859_1);
            for (int at = all.indexOf(needle); at >= 0; at = all.indexOf(needle, at + 1)) {
                String ctx = all.substring(Math.max(0, at - 16), Math.min(all.length(), at + 100));
                System.out.printf("0x%x: %s%n", at, ctx.replaceAll("[^\\x20-\\x7e]", "."));
                System.out.println(java.util.HexFormat.of().formatHex(ram, Math.max(0, at - 16), Math.min(ram.length, at + 64)));
            }
        }
        System.exit(0);
    }

    static VcpuState bootState(BootInfo boot, GuestMemory memory) {
        long gdt = 0x500;
        memory.writeLong(gdt, 0);
        memory.writeLong(gdt + 8, 0);
        memory.writeLong(gdt + 16, 0x00af9b000000ffffL);
        memory.writeLong(gdt + 24, 0x00cf93000000ffffL);
        memory.writeLong(gdt + 32, 0x00008b0000000067L);
        memory.writeLong(0x9000, 0xA000 | 3);
        for (int i = 0; i < 4; i++) {
            memory.writeLong(0xA000 + 8L * i, (0xB000 + 0x1000L * i) | 3);
        }
        for (long i = 0; i < 4 * 512; i++) {
            memory.writeLong(0xB000 + 8 * i, (i << 21) | 0x83);
        }
        long[] gpr = new long[16];
        gpr[Registers.RSI] = boot.bootParamsAddress();
        Segment code = new Segment(0x10, 0, 0xffffffff, 0xa09b);
        Segment data = new Segment(0x18, 0, 0xffffffff, 0xc093);
        SystemRegisters sregs = new SystemRegisters(code, data, data, data, data, data,
                new Segment(0x20, 0, 0x67, 0x8b), new Segment(0, 0, 0xffff, 0x10082),
                new DescriptorTable(gdt, 39), new DescriptorTable(0, 0), 0x80000011L, 0, 0x9000, 0x20, 0, 0x500,
                0xfee00900L);
        return new VcpuState(new Registers(gpr, boot.entryPoint(), 2), sregs, Map.of(), new FpuState(new byte[512]),
                new byte[0], false, false, false);
    }
}
