package vmm.core.internal.machine;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.hypervisor.AcceleratedVcpu;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.HypervisorException;
import vmm.core.hypervisor.state.VcpuState;
import vmm.core.loader.BootInfo;
import vmm.core.loader.Placement;
import vmm.core.machine.AcceleratorChoice;
import vmm.core.machine.Machine;
import vmm.core.machine.MachineConfig;
import vmm.core.machine.MachineException;
import vmm.core.machine.MachineExit;
import vmm.core.machine.MachineState;
import vmm.core.machine.RebootPolicy;
import vmm.core.memory.GuestMemory;

/**
 * A PC: guest RAM, a {@link Board} of devices, the kernel, and one thread per vCPU (see
 * {@link VcpuThread}). Requests that stop the vCPUs (pause, reset, the end) set what the
 * vCPUs must do under {@link #ctl} and kick them; each vCPU thread parks at the top of its
 * loop. Resets and the end run on a control thread, never on a vCPU thread, so a device
 * callback on a vCPU thread never waits for itself.
 */
public final class PcMachine implements Machine {

    private static final Logger LOG = LoggerFactory.getLogger(PcMachine.class);
    /** What the guest is told the TSC runs at (the software CPU counts at this rate). */
    static final long TSC_KHZ = 1_000_000;
    private static final long JOIN_MILLIS = 5000;

    private final MachineConfig config;
    private final AcceleratorChoice choice;
    private final GuestMemory memory;
    private final Board board;
    private final AcceleratedVm vm;
    private final AcceleratedVcpu[] vcpus;
    private final Thread[] threads;
    private final VcpuAccounting accounting;
    private final ExecutorService control;
    private final CountDownLatch ended = new CountDownLatch(1);

    /** Guards everything below; vCPU threads wait on it while parked. */
    final Object ctl = new Object();
    private MachineState state = MachineState.CREATED;
    private boolean userPaused;
    private boolean resetting;
    private boolean stopping;
    private int alive;
    private int parked;
    private MachineExit exit;
    private ConsolePump pump;
    /** A restore failed half-way: RAM or devices may be partly overwritten, so the machine must not run. */
    private boolean restoreFailed;

    private PcMachine(MachineConfig config, AcceleratorChoice choice, GuestMemory memory, Board board,
                      AcceleratedVm vm, AcceleratedVcpu[] vcpus) {
        this.config = config;
        this.choice = choice;
        this.memory = memory;
        this.board = board;
        this.vm = vm;
        this.vcpus = vcpus;
        this.threads = new Thread[vcpus.length];
        this.accounting = new VcpuAccounting(vcpus.length);
        this.control = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vmm-machine-control");
            t.setDaemon(true);
            return t;
        });
    }

    /** Builds the machine: RAM, devices, the VM and its vCPUs, the kernel loaded. */
    public static Machine create(MachineConfig config, AcceleratorChoice choice) throws MachineException {
        return create(config, choice, java.util.List.of());
    }

    /** As {@link #create(MachineConfig, AcceleratorChoice)}, with the device types the configured devices name. */
    public static Machine create(MachineConfig config, AcceleratorChoice choice,
                                 java.util.Collection<vmm.core.device.DeviceType> deviceTypes) throws MachineException {
        LOG.info("machine: {} MiB, {} vCPU(s), kernel {}; accelerator {}: {}", config.memoryBytes() >> 20,
                config.cpus(), config.kernel(), choice.name(), choice.reason());
        GuestMemory memory;
        try {
            memory = GuestMemory.allocate(config.memoryBytes());
        } catch (RuntimeException e) {
            throw new MachineException("cannot allocate " + config.memoryBytes() + " bytes of guest RAM: " + e.getMessage(), e);
        }
        Board board = null;
        AcceleratedVm vm = null;
        AcceleratedVcpu[] vcpus = new AcceleratedVcpu[config.cpus()];
        PcMachine[] self = new PcMachine[1];
        Board.Events events = new Board.Events() {
            @Override
            public void powerOff() {
                self[0].powerOffRequested();
            }

            @Override
            public void resetRequested(String source) {
                self[0].resetRequested(source);
            }

            @Override
            public void debugExit(int value) {
                self[0].debugExit(value);
            }
        };
        try {
            board = choice.hypervisor().hasInKernelIrqchip()
                    ? new InKernelIrqchipBoard(memory, config.cpus(), TSC_KHZ, config.console(), events)
                    : new PcBoard(memory, config.cpus(), TSC_KHZ, config.console(), events);
            board.plugDevices(config.devices(), deviceTypes);
            vm = choice.hypervisor().createVm(board);
            board.attach(vm);
            for (int i = 0; i < vcpus.length; i++) {
                vcpus[i] = vm.createVcpu(i);
            }
            PcMachine machine = new PcMachine(config, choice, memory, board, vm, vcpus);
            self[0] = machine;
            machine.loadKernel();
            return machine;
        } catch (HypervisorException | IOException | RuntimeException e) {
            for (AcceleratedVcpu c : vcpus) {
                if (c != null) {
                    c.close();
                }
            }
            if (vm != null) {
                vm.close();
            }
            if (board != null) {
                board.close();
            }
            memory.close();
            String step = e instanceof IOException ? "cannot load the kernel: " : "cannot create the machine: ";
            throw new MachineException(step + e.getMessage(), e);
        }
    }

    /** Loads the kernel and puts every vCPU in its power-on state, the BSP at the kernel entry. */
    private void loadKernel() throws IOException {
        board.writeRealModeIvt(memory);
        BootInfo boot = KernelBoot.load(config, memory, board.e820());
        for (Placement p : boot.placements()) {
            vm.invalidateCode(p.address(), p.size());
        }
        vm.invalidateCode(0, 0x10000); // the IVT, the boot GDT and page tables
        vm.invalidateCode(BootCpuState.IRET_AT, 1);
        for (AcceleratedVcpu c : vcpus) {
            c.reset();
        }
        VcpuState entry = BootCpuState.at(boot, vcpus[0].state(), memory);
        vcpus[0].setState(entry);
    }

    @Override
    public <T> java.util.List<T> devices(Class<T> kind) {
        return board.devices(kind);
    }

    @Override
    public AcceleratorChoice accelerator() {
        return choice;
    }

    @Override
    public MachineState state() {
        synchronized (ctl) {
            return state;
        }
    }

    @Override
    public java.util.List<vmm.core.machine.VcpuStats> vcpuStats() {
        return accounting.stats(threads);
    }

    /** Called by vCPU {@code index}'s thread as it starts. */
    void vcpuThreadStarted(int index) {
        accounting.register(index);
    }

    @Override
    public void start() throws MachineException {
        start(false);
    }

    @Override
    public void start(boolean paused) throws MachineException {
        // Every thread exists before the first runs: a guest can end the machine at once, and the
        // end joins them all.
        Thread[] created = new Thread[vcpus.length];
        for (int i = 0; i < vcpus.length; i++) {
            created[i] = new Thread(new VcpuThread(this, i, vcpus[i]), "vcpu-" + i);
            created[i].setDaemon(true);
        }
        synchronized (ctl) {
            if (state != MachineState.CREATED) {
                throw new MachineException("the machine was started already (" + state + ")");
            }
            if (restoreFailed) {
                throw new MachineException("a state restore into this machine failed; it cannot run");
            }
            state = paused ? MachineState.PAUSED : MachineState.RUNNING;
            userPaused = paused;
            alive = vcpus.length;
            System.arraycopy(created, 0, threads, 0, created.length);
        }
        for (Thread t : created) {
            t.start();
        }
        if (config.console().in() != null) {
            pump = new ConsolePump(config.console().in(), board);
            pump.start();
        }
    }

    // ---- what the vCPU threads ask

    /**
     * Called by a vCPU thread between runs: parks while the machine is paused or resetting.
     *
     * @return false when the thread must end
     */
    boolean await() throws InterruptedException {
        synchronized (ctl) {
            while (!stopping && (userPaused || resetting)) {
                parked++;
                ctl.notifyAll();
                try {
                    ctl.wait();
                } finally {
                    parked--;
                }
            }
            return !stopping;
        }
    }

    /** Called once by each vCPU thread as it ends. */
    void vcpuEnded() {
        synchronized (ctl) {
            alive--;
            ctl.notifyAll();
        }
    }

    /** A short wait for a halted vCPU without an interrupt controller to sleep on. */
    void idle() throws InterruptedException {
        synchronized (ctl) {
            if (!stopping && !userPaused && !resetting) {
                ctl.wait(10);
            }
        }
    }

    Board board() {
        return board;
    }

    GuestMemory memory() {
        return memory;
    }

    /** A triple fault: a PC resets, or with {@link RebootPolicy#EXIT} the machine is reported crashed. */
    void tripleFault(int index, String report) {
        if (config.reboot() == RebootPolicy.RESET) {
            LOG.warn("triple fault; resetting the machine\n{}", report);
            requestReset("triple fault on vCPU " + index);
        } else {
            crashed("triple fault", report);
        }
    }

    void crashed(String reason, String report) {
        LOG.error("the VM crashed: {}\n{}", reason, report);
        finish(new MachineExit.Crashed(reason, report));
    }

    // ---- what the devices ask (any thread)

    void powerOffRequested() {
        finish(new MachineExit.PoweredOff());
    }

    void resetRequested(String source) {
        if (config.reboot() == RebootPolicy.EXIT) {
            LOG.info("the guest asked for a reset ({}); ending as asked (no reboot)", source);
            finish(new MachineExit.ResetRequested(source));
        } else {
            requestReset(source);
        }
    }

    void debugExit(int value) {
        finish(new MachineExit.DebugExit(value));
    }

    // ---- control

    private void requestReset(String source) {
        synchronized (ctl) {
            if (stopping || resetting) {
                return;
            }
            resetting = true;
        }
        kickAll();
        control.execute(() -> doReset(source));
    }

    private void doReset(String source) {
        if (!waitParked()) {
            return;
        }
        LOG.info("machine reset ({})", source);
        try {
            board.reset();
            loadKernel();
        } catch (IOException | RuntimeException e) {
            synchronized (ctl) {
                resetting = false;
            }
            crashed("the reset failed", e.toString());
            return;
        }
        synchronized (ctl) {
            resetting = false;
            ctl.notifyAll();
        }
    }

    /** Waits until every live vCPU thread is parked (kicking again now and then); false if the machine ends. */
    private boolean waitParked() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            synchronized (ctl) {
                if (stopping) {
                    return false;
                }
                if (parked >= alive) {
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    LOG.error("vCPUs did not stop within 30 s ({} of {} parked)", parked, alive);
                    return false;
                }
                try {
                    ctl.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            kickAll();
        }
    }

    private void kickAll() {
        for (AcceleratedVcpu c : vcpus) {
            try {
                c.kick();
            } catch (RuntimeException e) {
                // The vCPU keeps running until its next exit; the waits here retry the kick.
                LOG.warn("kicking vCPU {} failed: {}", c.index(), e.toString());
            }
        }
    }

    /** Ends the machine once: the first outcome wins. */
    private void finish(MachineExit outcome) {
        synchronized (ctl) {
            if (exit != null) {
                return;
            }
            exit = outcome;
            stopping = true;
            ctl.notifyAll();
            if (state == MachineState.CREATED) {
                state = MachineState.STOPPED;
                ended.countDown();
                return;
            }
        }
        LOG.info("machine ends: {}", outcome.getClass().getSimpleName());
        kickAll();
        control.execute(() -> {
            for (Thread t : threads) {
                try {
                    t.join(JOIN_MILLIS);
                    if (t.isAlive()) {
                        LOG.error("{} did not stop within {} ms", t.getName(), JOIN_MILLIS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            synchronized (ctl) {
                // A thread start() had not started yet when it was joined ends now, at its first
                // look at the machine (stopping is set).
                long deadline = System.nanoTime() + JOIN_MILLIS * 1_000_000L;
                while (alive > 0 && System.nanoTime() < deadline) {
                    try {
                        ctl.wait(10);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                state = MachineState.STOPPED;
            }
            ended.countDown();
        });
    }

    @Override
    public void pause() {
        synchronized (ctl) {
            if (state != MachineState.RUNNING) {
                return;
            }
            userPaused = true;
        }
        if (waitParked()) {
            synchronized (ctl) {
                state = MachineState.PAUSED;
            }
        }
    }

    @Override
    public void resume() {
        synchronized (ctl) {
            if (state != MachineState.PAUSED) {
                return;
            }
            userPaused = false;
            state = MachineState.RUNNING;
            ctl.notifyAll();
        }
    }

    @Override
    public void reset() {
        synchronized (ctl) {
            if (state == MachineState.CREATED || state == MachineState.STOPPED) {
                return;
            }
        }
        requestReset("host request");
        try {
            control.submit(() -> { }).get(); // the reset job ran before this one
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void saveState(java.io.OutputStream out) throws MachineException {
        synchronized (ctl) {
            if (state != MachineState.PAUSED) {
                throw new MachineException("only a paused machine can be saved (it is " + state + ")");
            }
        }
        if (!waitParked()) {
            throw new MachineException("the vCPUs did not stop for the save");
        }
        java.util.List<VcpuState> states = new java.util.ArrayList<>();
        java.util.Map<String, vmm.core.device.DeviceState> devices;
        try {
            // Every clock as of one instant: the time base stands still while the platform's
            // timers and the vCPUs' TSCs are read.
            try (Board.TimeHold hold = board.holdTime()) {
                devices = board.saveDevices();
                for (AcceleratedVcpu c : vcpus) {
                    states.add(c.state());
                }
            }
        } catch (UnsupportedOperationException e) {
            throw new MachineException("cannot save the machine: " + e.getMessage(), e);
        }
        try {
            MachineImage.write(out, new MachineImage.Contents(imageHeader(), states, devices), memory);
        } catch (IOException e) {
            throw new MachineException("cannot write the machine state: " + e, e);
        }
        LOG.info("machine state saved: {} vCPU(s), {} devices, {} MiB of RAM", states.size(), devices.size(),
                memory.size() >> 20);
    }

    private MachineImage.Header imageHeader() {
        return new MachineImage.Header(memory.size(), vcpus.length, choice.name(), board.deviceTypes());
    }

    @Override
    public void restoreState(java.io.InputStream in) throws MachineException {
        synchronized (ctl) {
            if (state != MachineState.CREATED) {
                throw new MachineException("a state is restored into a machine not started yet (it is " + state + ")");
            }
            // Until the whole state is in, the machine holds a mix of its boot state and the saved one.
            restoreFailed = true;
        }
        MachineImage.Contents contents;
        try {
            contents = MachineImage.read(in, imageHeader(), memory);
            for (vmm.core.memory.MemoryRegion r : memory.regions()) {
                vm.invalidateCode(r.guestAddress(), r.size());
            }
            try (Board.TimeHold hold = board.holdTime()) {
                board.restoreDevices(contents.devices());
                for (int i = 0; i < vcpus.length; i++) {
                    vcpus[i].setState(contents.vcpus().get(i));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new MachineException("cannot restore the machine: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MachineException("cannot read the machine state: " + e, e);
        }
        synchronized (ctl) {
            restoreFailed = false;
        }
        LOG.info("machine state restored: {} vCPU(s), {} devices", vcpus.length, contents.devices().size());
    }

    @Override
    public boolean pressPowerButton() {
        synchronized (ctl) {
            if (stopping || state == MachineState.CREATED || state == MachineState.STOPPED) {
                return false;
            }
        }
        return board.pressPowerButton();
    }

    @Override
    public void powerOff() {
        finish(new MachineExit.PoweredOff());
    }

    @Override
    public void destroy() {
        finish(new MachineExit.Destroyed());
    }

    @Override
    public MachineExit awaitExit() throws InterruptedException {
        ended.await();
        synchronized (ctl) {
            return exit;
        }
    }

    @Override
    public Optional<MachineExit> awaitExit(Duration timeout) throws InterruptedException {
        if (!ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return Optional.empty();
        }
        synchronized (ctl) {
            return Optional.of(exit);
        }
    }

    @Override
    public void close() {
        destroy();
        try {
            if (!ended.await(JOIN_MILLIS * 2, TimeUnit.MILLISECONDS)) {
                LOG.error("the machine did not stop; its resources stay allocated");
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        control.shutdown();
        if (pump != null) {
            pump.stop();
        }
        for (AcceleratedVcpu c : vcpus) {
            c.close();
        }
        vm.close();
        board.close();
        memory.close();
    }
}
