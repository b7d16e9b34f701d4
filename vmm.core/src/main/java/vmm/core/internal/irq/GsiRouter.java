package vmm.core.internal.irq;

import vmm.core.device.IrqLine;

/**
 * The PC's interrupt wiring from global system interrupts (GSIs) to the controllers, as the
 * MADT describes it: GSIs 0-15 are the ISA IRQs and go both to the 8259 pair and to the
 * IOAPIC (IRQ0, the PIT, on IOAPIC pin 2: the interrupt source override every PC has; IRQ2
 * is the cascade and reaches no IOAPIC pin of its own), GSIs 16-23 are the PCI INTx lines
 * and go to the IOAPIC only.
 *
 * <p>Each {@link #line(int)} is a separate source: a GSI is asserted while any of its sources
 * is, so level-triggered devices sharing a PCI INTx line do not lower each other's request.
 */
public final class GsiRouter {
    public static final int GSIS = IoApic.PINS;

    private final Pic8259 pic;
    private final IoApic ioApic;
    private final int[] asserted = new int[GSIS];

    public GsiRouter(Pic8259 pic, IoApic ioApic) {
        this.pic = pic;
        this.ioApic = ioApic;
    }

    /** The IOAPIC pin of {@code gsi}. */
    public static int ioApicPin(int gsi) {
        return gsi == 0 ? 2 : gsi;
    }

    /**
     * A new source on {@code gsi} (0-23).
     *
     * @throws IllegalArgumentException for a GSI this machine does not have
     */
    public IrqLine line(int gsi) {
        if (gsi < 0 || gsi >= GSIS) {
            throw new IllegalArgumentException("no interrupt line " + gsi + " (GSIs are 0-" + (GSIS - 1) + ")");
        }
        return new Source(gsi);
    }

    private final class Source implements IrqLine {
        private final int gsi;
        private boolean level;

        Source(int gsi) {
            this.gsi = gsi;
        }

        @Override
        public void set(boolean newLevel) {
            synchronized (GsiRouter.this) {
                if (newLevel == level) {
                    return;
                }
                level = newLevel;
                int before = asserted[gsi];
                asserted[gsi] += newLevel ? 1 : -1;
                if ((before == 0) != (asserted[gsi] == 0)) {
                    drive(gsi, newLevel);
                }
            }
        }

        @Override
        public void pulse() {
            synchronized (GsiRouter.this) {
                if (asserted[gsi] == 0) {
                    drive(gsi, true);
                    drive(gsi, false);
                }
            }
        }
    }

    private void drive(int gsi, boolean level) {
        if (gsi < 16) {
            if (gsi != 2) {
                pic.setIrq(gsi, level);
            }
            ioApic.setPin(ioApicPin(gsi), level);
        } else {
            ioApic.setPin(gsi, level);
        }
    }

    /** Whether any source holds {@code gsi} asserted. */
    public synchronized boolean asserted(int gsi) {
        return asserted[gsi] != 0;
    }
}
