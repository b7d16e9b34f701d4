package vmm.core.internal.irq;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.MsiSink;

/**
 * The APIC bus of the machine: carries interrupt messages from the IOAPIC, from PCI devices
 * (MSI writes) and between local APICs (IPIs) to the local APICs they address, and EOIs of
 * level-triggered interrupts back to the IOAPIC. Thread-safe: messages come from vCPU
 * threads, device threads and the platform's timer thread.
 *
 * <p>Addressing as in the SDM (xAPIC): physical destinations match the APIC ID, 0xFF is the
 * broadcast; logical destinations match the logical destination register in the flat or
 * cluster model each APIC's DFR selects. An APIC in x2APIC mode matches its 32-bit x2APIC ID
 * and its cluster/bit logical ID; IPIs from one carry 32-bit destinations (broadcast
 * 0xFFFFFFFF). Lowest-priority messages go to the addressed APIC whose processor priority is
 * lowest, ties shared round-robin.
 */
public final class ApicBus implements MsiSink {
    private static final Logger LOG = LoggerFactory.getLogger(ApicBus.class);

    public static final int FIXED = 0;
    public static final int LOWEST_PRIORITY = 1;
    public static final int SMI = 2;
    public static final int NMI = 4;
    public static final int INIT = 5;
    public static final int STARTUP = 6;
    public static final int EXTINT = 7;

    public static final int SHORTHAND_NONE = 0;
    public static final int SHORTHAND_SELF = 1;
    public static final int SHORTHAND_ALL = 2;
    public static final int SHORTHAND_OTHERS = 3;

    private volatile LocalApic[] apics = new LocalApic[0];
    private volatile IoApic ioApic;
    private final AtomicInteger roundRobin = new AtomicInteger();

    synchronized void attach(LocalApic apic) {
        LocalApic[] next = java.util.Arrays.copyOf(apics, apics.length + 1);
        next[apics.length] = apic;
        apics = next;
    }

    void attach(IoApic ioapic) {
        this.ioApic = ioapic;
    }

    /**
     * Delivers one interrupt message.
     *
     * @param destination  8-bit destination (APIC ID or logical mask)
     * @param logical      logical destination mode
     * @param deliveryMode {@link #FIXED}, {@link #LOWEST_PRIORITY}, {@link #NMI}, ...
     * @param vector       the vector (the start page for {@link #STARTUP})
     * @param level        level-triggered (the target sets TMR and sends an EOI back)
     * @param shorthand    an ICR shorthand, or {@link #SHORTHAND_NONE}
     * @param source       the sending APIC for IPIs, else null
     * @return how many APICs accepted it
     */
    public int deliver(int destination, boolean logical, int deliveryMode, int vector, boolean level,
            int shorthand, LocalApic source) {
        return deliver(destination, false, logical, deliveryMode, vector, level, shorthand, source);
    }

    /**
     * Delivers one interrupt message with an 8-bit destination or, from an x2APIC ({@code
     * wide}), a 32-bit one whose broadcast is 0xFFFFFFFF.
     */
    public int deliver(int destination, boolean wide, boolean logical, int deliveryMode, int vector,
            boolean level, int shorthand, LocalApic source) {
        LocalApic[] all = apics;
        List<LocalApic> targets = new ArrayList<>(all.length);
        for (LocalApic apic : all) {
            boolean match = switch (shorthand) {
                case SHORTHAND_SELF -> apic == source;
                case SHORTHAND_ALL -> true;
                case SHORTHAND_OTHERS -> apic != source;
                default -> logical ? matchesLogical(apic, destination, wide) : matchesPhysical(apic, destination, wide);
            };
            if (match && apic.hardwareEnabled()) {
                targets.add(apic);
            }
        }
        if (targets.isEmpty()) {
            LOG.trace("apic bus: no APIC for destination 0x{} ({}), vector 0x{}", Integer.toHexString(destination),
                    logical ? "logical" : "physical", Integer.toHexString(vector));
            return 0;
        }
        if (deliveryMode == LOWEST_PRIORITY && targets.size() > 1) {
            targets = List.of(lowestPriority(targets));
        }
        for (LocalApic apic : targets) {
            apic.accept(deliveryMode == LOWEST_PRIORITY ? FIXED : deliveryMode, vector, level);
        }
        return targets.size();
    }

    /** {@code wide}: a 32-bit destination from an x2APIC sender (broadcast 0xFFFFFFFF), else 8 bits. */
    static boolean matchesPhysical(LocalApic apic, int destination, boolean wide) {
        if (destination == (wide ? -1 : 0xff)) {
            return true;
        }
        return destination == (apic.x2apicMode() ? apic.index : apic.id);
    }

    static boolean matchesLogical(LocalApic apic, int destination, boolean wide) {
        if (destination == (wide ? -1 : 0xff)) {
            return true;
        }
        if (apic.x2apicMode()) { // always cluster: 16-bit cluster, 16-bit member mask
            int l = apic.x2apicLdr();
            return (destination >>> 16) == (l >>> 16) && (destination & l & 0xffff) != 0;
        }
        destination &= 0xff;
        int logicalId = apic.ldr >>> 24;
        if ((apic.dfr >>> 28) == 0xf) { // flat model
            return (logicalId & destination) != 0;
        }
        return (logicalId >>> 4) == (destination >>> 4) && (logicalId & destination & 0xf) != 0; // cluster
    }

    private LocalApic lowestPriority(List<LocalApic> targets) {
        int start = Math.floorMod(roundRobin.getAndIncrement(), targets.size());
        LocalApic best = null;
        int bestPriority = Integer.MAX_VALUE;
        for (int i = 0; i < targets.size(); i++) {
            LocalApic apic = targets.get((start + i) % targets.size());
            int p = apic.processorPriority() & 0xf0;
            if (p < bestPriority) {
                best = apic;
                bestPriority = p;
            }
        }
        return best;
    }

    /**
     * A PCI MSI/MSI-X write: address 0xFEExxxxx with the destination ID in bits 19:12, the
     * redirection hint in bit 3 and the destination mode in bit 2; data with the vector in
     * bits 7:0, the delivery mode in 10:8 and the trigger mode in bit 15.
     */
    @Override
    public void signal(long address, int data) {
        if ((address & 0xfff0_0000L) != 0xfee0_0000L || (address >>> 32) != 0) {
            LOG.debug("apic bus: MSI to 0x{} is not an interrupt address, dropped", Long.toHexString(address));
            return;
        }
        int destination = (int) (address >>> 12) & 0xff;
        boolean logical = (address & 0x4) != 0;
        int mode = (data >>> 8) & 7;
        boolean level = (data & 0x8000) != 0;
        deliver(destination, logical, mode, data & 0xff, level, SHORTHAND_NONE, null);
    }

    /** A local APIC's EOI of a level-triggered {@code vector}: the IOAPIC may deliver again. */
    void broadcastEoi(int vector) {
        IoApic io = ioApic;
        if (io != null) {
            io.endOfInterrupt(vector);
        }
    }

    /** The local APICs in attach order (vCPU index). */
    public List<LocalApic> apics() {
        return List.of(apics);
    }
}
