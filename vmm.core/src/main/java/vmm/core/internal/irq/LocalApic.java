package vmm.core.internal.irq;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.hypervisor.InterruptPort;
import vmm.core.internal.timer.TimeSource;

/**
 * One vCPU's local APIC (version 0x14, six LVT entries) in xAPIC or x2APIC mode, as the software
 * CPU sees it through {@link InterruptPort}. The xAPIC register page ({@link #registers()}) is
 * served by {@link ApicRegisters}, the x2APIC MSRs by {@link X2ApicMsrs}; this class holds the
 * state, accepts messages from the {@link ApicBus} and answers the CPU.
 *
 * <p>Threads: the {@code InterruptPort} methods and register accesses come from the vCPU's own
 * thread; {@link #accept} (IOAPIC, MSI, other vCPUs' IPIs) and {@link #wake()} from any
 * thread. All state sits under one lock; {@link #pendingEvents()} reads a volatile summary
 * recomputed whenever the state changes, plus two cheap checks: the timer deadline against
 * the clock (expiry is noticed lazily there and in {@link #await}) and the PIC's output for
 * the APIC wired to it. The lock is never held while calling the PIC or the IOAPIC, so locks
 * are only ever taken in the order IOAPIC, then local APIC.
 *
 * <p>The PIC reaches the BSP as in a PC's virtual-wire mode: while the APIC is hardware
 * disabled, or LINT0 is unmasked in ExtINT mode (the BSP's reset value, as BIOSes leave it),
 * the PIC's output is a maskable interrupt and {@link #acknowledgeInterrupt()} runs its INTA
 * cycle. APIC interrupts take precedence over it, as in QEMU.
 */
public final class LocalApic implements InterruptPort {
    private static final Logger LOG = LoggerFactory.getLogger(LocalApic.class);
    public static final long DEFAULT_BASE = 0xfee0_0000L;
    static final long BASE_BSP = 1L << 8;
    static final long BASE_X2APIC = 1L << 10;
    static final long BASE_ENABLE = 1L << 11;
    /** Physical-address width the APIC base is checked against (QEMU's default phys-bits). */
    public static final int DEFAULT_PHYS_BITS = 40;

    static final int LVT_TIMER = 0;
    static final int LVT_THERMAL = 1;
    static final int LVT_PERF = 2;
    static final int LVT_LINT0 = 3;
    static final int LVT_LINT1 = 4;
    static final int LVT_ERROR = 5;
    static final int LVT_MASKED = 1 << 16;
    static final int SVR_ENABLE = 1 << 8;
    /**
     * How many NMIs wait at most, as KVM queues: two NMIs sent before the CPU looks are both
     * delivered (one runs, one is latched behind it). The CPU drains NMIs into its own one-deep
     * latch while an NMI handler runs, so later ones merge there as on hardware.
     */
    static final int NMI_QUEUE = 2;

    final int index;
    final boolean bsp;
    private final ApicBus bus;
    private final TimeSource time;
    private final Pic8259 pic;
    private final boolean wiredToPic;
    private final long baseReservedMask;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ApicRegisters registers;

    // State under the lock.
    long apicBase;
    int id;
    int tpr;
    int ldr;
    int dfr;
    int svr;
    final int[] irr = new int[8];
    final int[] isr = new int[8];
    final int[] tmr = new int[8];
    int esr;
    int esrPending;
    int icrLow;
    int icrHigh;
    final int[] lvt = new int[6];
    final ApicTimer timer;
    /** NMIs waiting for the CPU, at most {@link #NMI_QUEUE}. */
    int nmiPending;
    boolean initPending;
    boolean sipiPending;
    boolean waitingForSipi;
    boolean extIntPending;
    int sipiVector;
    private boolean wakeRequested;

    /** EVENT_* bits other than what the PIC adds; recomputed under the lock. */
    private volatile int events;
    /** Whether the PIC's output reaches this CPU now (virtual wire). */
    private volatile boolean picConnected;
    /** Mirror of the timer deadline, read without the lock. */
    private volatile long timerDeadline = ApicTimer.NEVER;

    /**
     * @param index    the vCPU index, also the APIC ID; 0 is the BSP
     * @param bus      where IPIs go and where this APIC receives
     * @param time     the platform's time base
     * @param tscKhz   the TSC frequency, for TSC-deadline mode
     * @param pic      the 8259 pair (for LINT0 virtual wire on the BSP and ExtINT messages)
     * @param physBits the CPU's MAXPHYADDR, bounding the APIC base
     */
    public LocalApic(int index, ApicBus bus, TimeSource time, long tscKhz, Pic8259 pic, int physBits) {
        if (index < 0 || index > 254) {
            throw new IllegalArgumentException("xAPIC IDs go up to 254: vCPU " + index);
        }
        this.index = index;
        this.bsp = index == 0;
        this.bus = bus;
        this.time = time;
        this.pic = pic;
        this.wiredToPic = bsp && pic != null;
        this.baseReservedMask = ~((1L << physBits) - 1) | 0x2ffL;
        this.timer = new ApicTimer(tscKhz);
        this.registers = new ApicRegisters(this);
        bus.attach(this);
        powerOn();
    }

    /** Power-on or machine reset: the APIC enabled at the default base, software-disabled. */
    public void powerOn() {
        lock.lock();
        try {
            apicBase = DEFAULT_BASE | BASE_ENABLE | (bsp ? BASE_BSP : 0);
            resetRegisters();
            waitingForSipi = !bsp;
            nmiPending = 0;
            initPending = false;
            sipiPending = false;
            wakeRequested = false;
            updateLocked();
        } finally {
            lock.unlock();
        }
    }

    /** The register state after reset or INIT (SDM 10.4.7.1); the base MSR is kept. */
    private void resetRegisters() {
        id = index;
        tpr = 0;
        ldr = 0;
        dfr = 0xffff_ffff;
        svr = 0xff;
        java.util.Arrays.fill(irr, 0);
        java.util.Arrays.fill(isr, 0);
        java.util.Arrays.fill(tmr, 0);
        esr = 0;
        esrPending = 0;
        icrLow = 0;
        icrHigh = 0;
        java.util.Arrays.fill(lvt, LVT_MASKED);
        if (bsp) {
            lvt[LVT_LINT0] = ApicBus.EXTINT << 8; // virtual wire, as firmware leaves it (QEMU, KVM)
        }
        timer.reset();
        extIntPending = false;
    }

    // ---- the APIC bus side -------------------------------------------------------------

    boolean hardwareEnabled() {
        return (apicBase & BASE_ENABLE) != 0;
    }

    /** IA32_APIC_BASE has both EN and EXTD: the MSR interface, 32-bit IDs. */
    boolean x2apicMode() {
        return (apicBase & (BASE_ENABLE | BASE_X2APIC)) == (BASE_ENABLE | BASE_X2APIC);
    }

    /** The x2APIC logical ID: cluster (ID bits 31:4) in bits 31:16, one bit of 16 for ID bits 3:0. */
    int x2apicLdr() {
        return ((index >>> 4) << 16) | (1 << (index & 0xf));
    }

    int processorPriority() {
        lock.lock();
        try {
            return ppr();
        } finally {
            lock.unlock();
        }
    }

    /** A message for this APIC (any thread). {@code mode} is never LOWEST_PRIORITY here. */
    void accept(int mode, int vector, boolean level) {
        lock.lock();
        try {
            switch (mode) {
                case ApicBus.FIXED -> acceptFixedLocked(vector, level);
                case ApicBus.NMI -> nmiPending = Math.min(NMI_QUEUE, nmiPending + 1);
                case ApicBus.INIT -> initPending = true;
                case ApicBus.STARTUP -> {
                    if (waitingForSipi || initPending) {
                        sipiVector = vector & 0xff;
                        sipiPending = true;
                    }
                }
                case ApicBus.EXTINT -> extIntPending = true;
                default -> LOG.debug("apic {}: delivery mode {} not supported, message dropped", index, mode);
            }
            updateLocked();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void acceptFixedLocked(int vector, boolean level) {
        if ((svr & SVR_ENABLE) == 0) {
            return; // a software-disabled APIC takes no fixed interrupts
        }
        if (vector < 16) {
            errorLocked(1 << 6); // received illegal vector
            return;
        }
        VectorBits.set(irr, vector, true);
        VectorBits.set(tmr, vector, level);
    }

    /** Latches an ESR bit and raises the error LVT interrupt. */
    void errorLocked(int bit) {
        esrPending |= bit;
        int entry = lvt[LVT_ERROR];
        if ((entry & LVT_MASKED) == 0 && (svr & SVR_ENABLE) != 0 && (entry & 0xff) >= 16) {
            VectorBits.set(irr, entry & 0xff, true);
            VectorBits.set(tmr, entry & 0xff, false);
        }
    }

    /** The PIC's output changed: a halted BSP must look again. */
    public void picChanged() {
        if (wiredToPic) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    // ---- InterruptPort ---------------------------------------------------------------

    @Override
    public int pendingEvents() {
        long deadline = timerDeadline;
        if (deadline != ApicTimer.NEVER && time.nanoTime() >= deadline) {
            lock.lock();
            try {
                checkTimerLocked(time.nanoTime());
            } finally {
                lock.unlock();
            }
        }
        int e = events;
        if (picConnected && pic.output()) {
            e |= EVENT_INTR;
        }
        return e;
    }

    @Override
    public int acknowledgeInterrupt() {
        boolean fromPic;
        lock.lock();
        try {
            checkTimerLocked(time.nanoTime());
            int vector = VectorBits.highest(irr);
            if (vector >= 0 && (svr & SVR_ENABLE) != 0 && hardwareEnabled() && (vector & 0xf0) > (ppr() & 0xf0)) {
                VectorBits.set(irr, vector, false);
                VectorBits.set(isr, vector, true);
                updateLocked();
                return vector;
            }
            fromPic = extIntPending || (picConnected && pic.output());
            extIntPending = false;
            updateLocked();
        } finally {
            lock.unlock();
        }
        return fromPic && pic != null ? pic.acknowledge() : -1;
    }

    @Override
    public void acknowledgeNmi() {
        lock.lock();
        try {
            nmiPending = Math.max(0, nmiPending - 1);
            updateLocked();
        } finally {
            lock.unlock();
        }
    }

    /** INIT: the APIC goes back to its reset state (ID and base kept); an AP then waits for SIPI. */
    @Override
    public void acknowledgeInit() {
        lock.lock();
        try {
            initPending = false;
            boolean sipi = sipiPending;
            int vector = sipiVector;
            resetRegisters();
            nmiPending = 0;
            waitingForSipi = !bsp;
            sipiPending = sipi && !bsp; // a SIPI that came right behind the INIT stays
            sipiVector = vector;
            updateLocked();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int acknowledgeSipi() {
        lock.lock();
        try {
            int vector = sipiVector;
            sipiPending = false;
            waitingForSipi = false;
            updateLocked();
            return vector;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void await(long timeoutNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long now = time.nanoTime();
            long end = timeoutNanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + Math.max(0, timeoutNanos);
            while (true) {
                if (wakeRequested) {
                    wakeRequested = false;
                    return;
                }
                checkTimerLocked(now);
                if (events != 0 || (picConnected && pic.output())) {
                    return;
                }
                long until = Math.min(end, timer.deadline);
                if (now >= end) {
                    return;
                }
                if (until > now) {
                    changed.awaitNanos(until - now);
                }
                now = time.nanoTime();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wake() {
        lock.lock();
        try {
            wakeRequested = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long apicBase() {
        lock.lock();
        try {
            return apicBase;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean setApicBase(long value) {
        if ((value & baseReservedMask) != 0) {
            return false;
        }
        lock.lock();
        try {
            boolean wasEnabled = hardwareEnabled();
            boolean enable = (value & BASE_ENABLE) != 0;
            boolean extd = (value & BASE_X2APIC) != 0;
            // SDM 10.12.5: EXTD without EN is invalid; x2APIC is entered only from xAPIC and left
            // only by disabling.
            if (extd && (!enable || !wasEnabled) || x2apicMode() && enable && !extd) {
                return false;
            }
            if (wasEnabled && !enable) {
                // Disabling puts the APIC in its reset state; re-enabling finds it there (SDM 10.4.3).
                resetRegisters();
            }
            apicBase = (value & ~BASE_BSP) | (bsp ? BASE_BSP : 0);
            updateLocked();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int cr8() {
        lock.lock();
        try {
            return tpr >>> 4;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void setCr8(int value) {
        lock.lock();
        try {
            tpr = (value & 0xf) << 4;
            updateLocked();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean x2apicSupported() {
        return true;
    }

    @Override
    public java.util.OptionalLong readX2apicMsr(int msr) {
        return X2ApicMsrs.read(this, registers, msr);
    }

    @Override
    public boolean writeX2apicMsr(int msr, long value) {
        return X2ApicMsrs.write(this, registers, msr, value);
    }

    @Override
    public BusDevice registers() {
        return registers;
    }

    @Override
    public long tscDeadline() {
        lock.lock();
        try {
            return timer.mode == ApicTimer.TSC_DEADLINE ? timer.tscDeadline : 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void setTscDeadline(long value) {
        long now = time.nanoTime();
        setTscDeadline(value, timer.tsc(now), now);
    }

    @Override
    public void setTscDeadline(long value, long tscNow) {
        setTscDeadline(value, tscNow, time.nanoTime());
    }

    private void setTscDeadline(long value, long tscNow, long now) {
        lock.lock();
        try {
            timer.writeTscDeadline(value, tscNow, now);
            updateLocked();
        } finally {
            lock.unlock();
        }
    }

    /** The guest TSC now, as the TSC-deadline timer counts it. */
    public long tsc() {
        return timer.tsc(time.nanoTime());
    }

    // ---- helpers used by ApicRegisters (under the lock) -----------------------------

    ReentrantLock lock() {
        return lock;
    }

    long now() {
        return time.nanoTime();
    }

    void checkTimerLocked(long now) {
        if (timer.expire(now)) {
            int entry = lvt[LVT_TIMER];
            if ((entry & LVT_MASKED) == 0) {
                acceptFixedLocked(entry & 0xff, false);
            }
            updateLocked();
        }
    }

    int ppr() {
        int isrv = Math.max(0, VectorBits.highest(isr));
        return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr & 0xff : isrv & 0xf0;
    }

    /** Recomputes what pendingEvents() reports; call after every state change, lock held. */
    void updateLocked() {
        int e = 0;
        if (nmiPending > 0) {
            e |= EVENT_NMI;
        }
        if (initPending) {
            e |= EVENT_INIT;
        }
        if (sipiPending) {
            e |= EVENT_SIPI;
        }
        if (extIntPending) {
            e |= EVENT_INTR;
        }
        if (hardwareEnabled() && (svr & SVR_ENABLE) != 0) {
            int vector = VectorBits.highest(irr);
            if (vector >= 0 && (vector & 0xf0) > (ppr() & 0xf0)) {
                e |= EVENT_INTR;
            }
        }
        events = e;
        int lint0 = lvt[LVT_LINT0];
        picConnected = wiredToPic && (!hardwareEnabled()
                || ((lint0 & LVT_MASKED) == 0 && ((lint0 >>> 8) & 7) == ApicBus.EXTINT));
        timerDeadline = timer.deadline;
        if (e != 0) {
            changed.signalAll();
        }
    }

    /** The EOI register: retires the highest in-service vector; level ones go back to the IOAPIC. */
    void endOfInterrupt() {
        int vector;
        boolean level;
        lock.lock();
        try {
            vector = VectorBits.highest(isr);
            if (vector < 0) {
                return;
            }
            VectorBits.set(isr, vector, false);
            level = VectorBits.get(tmr, vector);
            updateLocked();
        } finally {
            lock.unlock();
        }
        if (level) {
            bus.broadcastEoi(vector);
        }
    }

    /**
     * Sends the IPI the ICR now holds (called without the lock): {@code destination} is ICR
     * bits 63:56 in xAPIC mode, bits 63:32 in x2APIC mode ({@code wide}).
     */
    void sendIpi(int low, int destination, boolean wide) {
        int mode = (low >>> 8) & 7;
        int vector = low & 0xff;
        boolean logical = (low & (1 << 11)) != 0;
        boolean assert_ = (low & (1 << 14)) != 0;
        boolean level = (low & (1 << 15)) != 0;
        int shorthand = (low >>> 18) & 3;
        if (mode == ApicBus.INIT && level && !assert_) {
            return; // INIT level de-assert: only synchronised arbitration IDs on old CPUs
        }
        if ((mode == ApicBus.FIXED || mode == ApicBus.LOWEST_PRIORITY) && vector < 16) {
            lock.lock();
            try {
                errorLocked(1 << 5); // send illegal vector
                updateLocked();
            } finally {
                lock.unlock();
            }
            return;
        }
        if (mode == ApicBus.EXTINT || (mode == ApicBus.STARTUP && shorthand == ApicBus.SHORTHAND_SELF)) {
            LOG.debug("apic {}: IPI with delivery mode {} and shorthand {} is invalid, dropped", index, mode, shorthand);
            return;
        }
        bus.deliver(destination, wide, logical, mode, vector, mode == ApicBus.FIXED && level, shorthand, this);
    }

    @Override
    public String toString() {
        return "LocalApic[" + index + "]";
    }
}
