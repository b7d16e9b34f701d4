package vmm.core.internal.machine;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import vmm.core.device.BusDevice;
import vmm.core.hypervisor.InterruptPort;

/**
 * A local APIC that never has an interrupt: what {@link LegacyBoard} gives a software CPU
 * until the platform's interrupt controllers (PIC, IOAPIC, LAPIC) are part of the machine.
 * Halt waits until a kick; guests that need timers, IPIs or device interrupts do not run on it.
 */
final class IdleInterruptPort implements InterruptPort {

    private static final long APIC_BASE = 0xFEE0_0000L, APIC_ENABLE = 1 << 11, APIC_BSP = 1 << 8;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private boolean wake;
    private long apicBase;
    private int cr8;
    private long tscDeadline;

    IdleInterruptPort(boolean bsp) {
        this.apicBase = APIC_BASE | APIC_ENABLE | (bsp ? APIC_BSP : 0);
    }

    @Override
    public int pendingEvents() {
        return 0;
    }

    @Override
    public int acknowledgeInterrupt() {
        return -1;
    }

    @Override
    public void acknowledgeNmi() {
    }

    @Override
    public void acknowledgeInit() {
    }

    @Override
    public int acknowledgeSipi() {
        return 0;
    }

    @Override
    public void await(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (!wake && left > 0) {
                left = woken.awaitNanos(left);
            }
            wake = false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wake() {
        lock.lock();
        try {
            wake = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long apicBase() {
        return apicBase;
    }

    @Override
    public boolean setApicBase(long value) {
        if ((value & ~(0xFFFF_FFFF_F000L | APIC_ENABLE | APIC_BSP)) != 0) {
            return false;
        }
        apicBase = value;
        return true;
    }

    @Override
    public int cr8() {
        return cr8;
    }

    @Override
    public void setCr8(int value) {
        cr8 = value & 0xf;
    }

    @Override
    public BusDevice registers() {
        return new BusDevice() {
            @Override
            public void read(long offset, byte[] data) {
                java.util.Arrays.fill(data, (byte) 0);
            }

            @Override
            public void write(long offset, byte[] data) {
            }
        };
    }

    @Override
    public long tscDeadline() {
        return tscDeadline;
    }

    @Override
    public void setTscDeadline(long value) {
        tscDeadline = value;
    }

    static long toNanos(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }
}
