package vmm.x86.emu.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.hypervisor.VcpuExit;
import vmm.core.hypervisor.VmPlatform;
import vmm.core.hypervisor.state.VcpuEvents;
import vmm.core.hypervisor.state.VcpuState;
import vmm.x86.emu.internal.cpu.Cpu;
import vmm.x86.emu.internal.cpu.Flags;
import vmm.x86.emu.internal.cpu.Breakpoints;
import vmm.x86.emu.internal.cpu.GuestFault;
import vmm.x86.emu.internal.cpu.Interrupts;
import vmm.x86.emu.internal.cpu.Mem;
import vmm.x86.emu.internal.cpu.PhysMem;
import vmm.x86.emu.internal.cpu.TripleFault;
import vmm.x86.emu.internal.exec.Interpreter;

/**
 * One software vCPU. {@link #run()} alternates between the interpreter (a batch of blocks) and
 * the events of its local APIC: INIT, SIPI, NMI and maskable interrupts are looked at between
 * batches, never in the middle of a block. HLT sleeps in {@link InterruptPort#await} (or, with
 * no APIC, returns {@link VcpuExit.Halted}).
 */
final class EmuVcpu implements AcceleratedVcpu {
    private static final Logger LOG = LoggerFactory.getLogger(EmuVcpu.class);
    private static final int BATCH = 64;
    private static final long HALT_WAIT_NANOS = 50_000_000L;
    /**
     * Full batches in a row that end where they began with every register unchanged (a loop
     * that makes no progress: a vCPU spinning on memory another vCPU will write) before the
     * thread gives up the host CPU for {@link #SPIN_PARK_NANOS}.
     */
    private static final int SPIN_BATCHES = 4;
    private static final long SPIN_PARK_NANOS = 20_000;
    private final long[] spinRegs = new long[16];
    private int spinBatches;

    private final int index;
    private final VmPlatform platform;
    private final InterruptPort port;
    final Cpu cpu;
    private final Interpreter interp;
    private volatile boolean kicked;
    private volatile Thread runner;
    /**
     * An exception or interrupt whose delivery another accelerator (KVM) had begun when its state
     * was taken; this CPU completes it before its next instruction. Null when none.
     */
    private VcpuEvents injected;

    EmuVcpu(int index, VmPlatform platform, PhysMem phys, long tscEpochNanos) {
        this.index = index;
        this.platform = platform;
        this.port = platform.interrupts(index);
        this.cpu = new Cpu(index, port);
        cpu.tscEpochNanos = tscEpochNanos;
        cpu.clock = platform::nanoTime;
        cpu.mem = new Mem(cpu, phys);
        cpu.pio = platform.pio();
        long khz = platform.tscKhz();
        cpu.tscKhz = khz > 0 ? khz : 1_000_000;
        cpu.vcpuCount = Math.max(1, platform.vcpuCount());
        this.interp = new Interpreter(cpu);
        reset();
        GuestProfiler.startIfAsked(cpu, index);
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public VcpuExit run() {
        runner = Thread.currentThread();
        try {
            return loop();
        } catch (TripleFault t) {
            LOG.info("vCPU {}: triple fault: {}", index, t.getMessage());
            return new VcpuExit.TripleFault(VcpuStates.capture(cpu), t.getMessage());
        } catch (Throwable t) {
            String message = "vCPU " + index + ": internal error at rip 0x" + Long.toHexString(cpu.rip) + ": " + t;
            LOG.error(message, t);
            VcpuState state = null;
            try {
                state = VcpuStates.capture(cpu);
            } catch (RuntimeException e) {
                LOG.error("vCPU {}: capturing the state after the internal error failed too", index, e);
            }
            return new VcpuExit.InternalError(message, state, bytesAtRip());
        } finally {
            cpu.mem.releaseLock();
            runner = null;
        }
    }

    private VcpuExit loop() throws InterruptedException {
        if (injected != null) {
            VcpuEvents ev = injected;
            injected = null;
            deliverInjected(ev);
        }
        while (true) {
            if (kicked) {
                kicked = false;
                return new VcpuExit.Kicked();
            }
            boolean shadow = cpu.interruptShadow;
            if (port != null) {
                int ev = port.pendingEvents();
                if (ev != 0 || cpu.nmiLatched && !cpu.nmiBlocked) {
                    events(ev, shadow);
                }
            }
            if (cpu.waitingForSipi || cpu.halted) {
                if (port == null) {
                    return new VcpuExit.Halted();
                }
                try {
                    port.await(HALT_WAIT_NANOS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new VcpuExit.Kicked();
                }
                continue;
            }
            boolean trap = (cpu.flagsHi & Flags.TF) != 0;
            try {
                cpu.interruptShadow = false;
                cpu.stepByEndTf = 0;
                boolean breakpoints = Breakpoints.anyCode(cpu);
                if (breakpoints) {
                    Breakpoints.check(cpu); // then one instruction at a time, each checked first
                }
                if (trap) {
                    singleStep();
                } else {
                    boolean one = shadow || breakpoints;
                    long start = cpu.rip;
                    boolean watch = cpu.vcpuCount > 1 && !one;
                    if (watch) {
                        System.arraycopy(cpu.r, 0, spinRegs, 0, 16);
                    }
                    interp.run(one ? 1 : BATCH, one);
                    if (watch) {
                        spinCheck(start);
                    }
                    if (cpu.stepByEndTf == 2) {
                        // SYSRET that set TF: the trap comes right after it (it ended the batch).
                        cpu.stepByEndTf = 0;
                        cpu.dr[6] |= 0x4000;
                        Interrupts.external(cpu, GuestFault.DB);
                    }
                }
            } catch (GuestFault f) {
                cpu.mem.releaseLock();
                Interrupts.fault(cpu, f);
            }
        }
    }

    /**
     * With several vCPUs, a vCPU that keeps looping in place without progress (a spin-wait
     * without PAUSE) steps off the host CPU briefly, so that the vCPU it waits for runs when
     * there are fewer free cores than vCPUs: each turn of a cross-CPU handshake otherwise costs
     * a scheduler time slice. A loop that changes any register is work, and is left alone.
     */
    private void spinCheck(long start) {
        if (cpu.rip == start && !cpu.halted && java.util.Arrays.equals(cpu.r, 0, 16, spinRegs, 0, 16)) {
            if (++spinBatches >= SPIN_BATCHES) {
                spinBatches = 0;
                java.util.concurrent.locks.LockSupport.parkNanos(SPIN_PARK_NANOS);
            }
        } else {
            spinBatches = 0;
        }
    }

    /**
     * RFLAGS.TF: one instruction, then a single-step #DB (a trap, DR6.BS) unless the instruction
     * itself delivered an interrupt (INT n clears TF for its handler) or opened a MOV SS shadow.
     */
    private void singleStep() {
        long delivered = cpu.eventsDelivered;
        interp.run(1, true);
        boolean byEnd = cpu.stepByEndTf != 0;
        boolean step = byEnd ? cpu.stepByEndTf == 2 : cpu.eventsDelivered == delivered;
        cpu.stepByEndTf = 0;
        if (step && !cpu.interruptShadow && !cpu.halted) {
            cpu.dr[6] |= 0x4000;
            Interrupts.external(cpu, GuestFault.DB);
        }
    }

    private void events(int ev, boolean shadow) {
        if ((ev & InterruptPort.EVENT_INIT) != 0) {
            port.acknowledgeInit();
            initReset();
            return;
        }
        if ((ev & InterruptPort.EVENT_SIPI) != 0) {
            int vector = port.acknowledgeSipi();
            if (cpu.waitingForSipi) {
                VcpuStates.startAt(cpu, vector);
                interp.flush();
            }
            return;
        }
        if (cpu.waitingForSipi) {
            return;
        }
        try {
            if (shadow) {
                // An STI or MOV SS shadow holds NMIs too (kvm-unit-tests apic nmi-after-sti): they
                // stay queued until the next instruction has run.
                return;
            }
            if (cpu.nmiLatched && !cpu.nmiBlocked) {
                cpu.nmiLatched = false;
                Interrupts.external(cpu, GuestFault.NMI);
                return;
            }
            if ((ev & InterruptPort.EVENT_NMI) != 0) {
                port.acknowledgeNmi();
                if (!cpu.nmiBlocked) {
                    Interrupts.external(cpu, GuestFault.NMI);
                    return;
                }
                // Inside an NMI handler: one more waits for IRET, any further ones merge into it.
                cpu.nmiLatched = true;
            }
            if ((ev & InterruptPort.EVENT_INTR) != 0 && cpu.iflag()) {
                int vector = port.acknowledgeInterrupt();
                if (vector >= 0) {
                    Interrupts.external(cpu, vector);
                }
            }
        } catch (GuestFault f) {
            Interrupts.fault(cpu, f);
        }
    }

    /**
     * Completes deliveries begun elsewhere. An NMI's comes first (it was under way when the
     * exception or interrupt arose: KVM reports at most one of them). A software interrupt
     * (INT n) is not delivered: its RIP is at the instruction, which runs again.
     */
    private void deliverInjected(VcpuEvents ev) {
        try {
            if (ev.nmiInjected()) {
                Interrupts.external(cpu, GuestFault.NMI);
            } else if (ev.exceptionVector() >= 0) {
                Interrupts.fault(cpu, cpu.fault.set(ev.exceptionVector(), ev.exceptionErrorCode(),
                        ev.exceptionHasErrorCode()));
            } else if (ev.interruptVector() >= 0 && !ev.softInterrupt()) {
                Interrupts.external(cpu, ev.interruptVector());
            }
        } catch (GuestFault f) {
            cpu.mem.releaseLock();
            Interrupts.fault(cpu, f);
        }
    }

    /** INIT: an AP waits for SIPI again, the BSP restarts at the reset vector. */
    private void initReset() {
        VcpuStates.powerOn(cpu, index != 0);
        interp.flush();
    }

    private byte[] bytesAtRip() {
        try {
            long lin = cpu.longMode64 ? cpu.rip : (cpu.segBase[Cpu.CS] + cpu.rip) & 0xffffffffL;
            byte[] b = new byte[16];
            for (int k = 0; k < 16; k++) {
                b[k] = (byte) cpu.mem.readLin(lin + k, 1, 0);
            }
            return b;
        } catch (RuntimeException e) {
            return new byte[0];
        }
    }

    @Override
    public void kick() {
        kicked = true;
        if (port != null) {
            port.wake();
        }
    }

    @Override
    public VcpuState state() {
        VcpuState s = VcpuStates.capture(cpu);
        VcpuEvents ev = injected;
        if (ev == null) {
            return s;
        }
        // Not yet run since a state with a delivery under way was set: it is still under way.
        return new VcpuState(s.regs(), s.sregs(), s.msrs(), s.fpu(), s.lapic(), s.halted(), s.waitingForSipi(),
                s.interruptShadow(), s.debug(), new VcpuEvents(s.events().nmiBlocked(), s.events().nmiPending(),
                        ev.nmiInjected(), ev.exceptionVector(), ev.exceptionHasErrorCode(), ev.exceptionErrorCode(),
                        ev.interruptVector(), ev.softInterrupt()));
    }

    @Override
    public void setState(VcpuState state) {
        VcpuStates.apply(cpu, state);
        VcpuEvents ev = state.events();
        boolean underWay = ev.nmiInjected() || ev.exceptionVector() >= 0
                || ev.interruptVector() >= 0 && !ev.softInterrupt();
        injected = underWay ? ev : null;
        interp.flush();
    }

    @Override
    public void reset() {
        injected = null;
        VcpuStates.powerOn(cpu, index != 0);
        interp.flush();
    }

    /** Guest instructions executed so far (for benchmarks and logs). */
    long instructions() {
        return interp.instructions;
    }

    @Override
    public void close() {
        kick();
    }
}
