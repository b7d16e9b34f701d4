package vmm.core.internal.irq;

import java.util.OptionalLong;

/**
 * The x2APIC register interface of a {@link LocalApic}: MSR 0x800 + (xAPIC offset >> 4), as the
 * SDM (10.12.1.2) lays it out. Most registers behave as on the xAPIC page ({@link
 * ApicRegisters}); the differences are here: the ID and logical ID are read-only and derived from
 * the initial APIC ID, the ICR is one 64-bit register with a 32-bit destination, there is a
 * SELF IPI register and no DFR, ICR2, APR or RRD, and an access that the mode does not allow
 * (a missing, read-only or write-only register, reserved bits set) makes the CPU raise #GP.
 */
final class X2ApicMsrs {
    static final int BASE = 0x800;
    static final int SELF_IPI = 0x3f0;
    /** ICR bits that are reserved in x2APIC mode: 31:20, 17:16, 13 (and delivery status, 12, read-only). */
    private static final long ICR_RESERVED = 0xfff0_0000L | 0x3_0000L | 0x2000L;

    private X2ApicMsrs() {
    }

    private static int register(int msr) {
        return (msr - BASE) << 4;
    }

    private static boolean present(LocalApic a, int msr) {
        return msr >= BASE && msr < BASE + 0x100 && a.x2apicMode();
    }

    static OptionalLong read(LocalApic a, ApicRegisters regs, int msr) {
        if (!present(a, msr)) {
            return OptionalLong.empty();
        }
        int reg = register(msr);
        switch (reg) {
            case ApicRegisters.ID:
                return OptionalLong.of(a.index);
            case ApicRegisters.LDR:
                return OptionalLong.of(a.x2apicLdr() & 0xffff_ffffL);
            case ApicRegisters.ICR_LOW: {
                a.lock().lock();
                try {
                    return OptionalLong.of((long) a.icrHigh << 32 | (a.icrLow & 0xffff_ffffL));
                } finally {
                    a.lock().unlock();
                }
            }
            case ApicRegisters.VERSION, ApicRegisters.TPR, ApicRegisters.PPR, ApicRegisters.SVR, ApicRegisters.ESR,
                    ApicRegisters.TIMER_INITIAL, ApicRegisters.TIMER_CURRENT, ApicRegisters.TIMER_DIVIDE:
                return OptionalLong.of(regs.readRegister(reg) & 0xffff_ffffL);
            default:
                if (reg >= ApicRegisters.ISR && reg < ApicRegisters.IRR + 0x80 // ISR, TMR, IRR
                        || reg >= ApicRegisters.LVT_BASE && reg < ApicRegisters.LVT_BASE + 0x60) {
                    return OptionalLong.of(regs.readRegister(reg) & 0xffff_ffffL);
                }
                return OptionalLong.empty(); // EOI, SELF IPI (write-only), DFR, ICR2, APR, RRD, CMCI, reserved
        }
    }

    static boolean write(LocalApic a, ApicRegisters regs, int msr, long value) {
        if (!present(a, msr)) {
            return false;
        }
        int reg = register(msr);
        if (reg == ApicRegisters.ICR_LOW) {
            if ((value & ICR_RESERVED) != 0) {
                return false;
            }
            int low;
            int destination;
            a.lock().lock();
            try {
                a.icrLow = (int) value & 0x000c_cfff;
                a.icrHigh = (int) (value >>> 32);
                low = a.icrLow;
                destination = a.icrHigh;
            } finally {
                a.lock().unlock();
            }
            a.sendIpi(low, destination, true);
            return true;
        }
        if ((value >>> 32) != 0) {
            return false; // bits 63:32 are reserved in every register but the ICR
        }
        int v = (int) value;
        switch (reg) {
            case ApicRegisters.EOI, ApicRegisters.ESR -> {
                if (v != 0) {
                    return false; // both take only a write of 0 in x2APIC mode
                }
                regs.writeRegister(reg, 0);
            }
            case SELF_IPI -> {
                if ((v & ~0xff) != 0) {
                    return false;
                }
                a.sendIpi(v | ApicBus.SHORTHAND_SELF << 18, 0, true); // fixed, edge
            }
            case ApicRegisters.TPR, ApicRegisters.SVR, ApicRegisters.TIMER_INITIAL, ApicRegisters.TIMER_DIVIDE ->
                    regs.writeRegister(reg, v);
            default -> {
                if (reg < ApicRegisters.LVT_BASE || reg >= ApicRegisters.LVT_BASE + 0x60) {
                    return false; // read-only (ID, version, LDR, PPR, ISR/TMR/IRR, current count) or missing
                }
                regs.writeRegister(reg, v);
            }
        }
        return true;
    }
}
