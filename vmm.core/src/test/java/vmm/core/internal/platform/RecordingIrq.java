package vmm.core.internal.platform;

import vmm.core.device.IrqLine;

/** An interrupt line that remembers its level and how often it was raised. */
final class RecordingIrq implements IrqLine {
    volatile boolean level;
    volatile int raised;

    @Override
    public synchronized void set(boolean newLevel) {
        if (newLevel && !level) {
            raised++;
        }
        level = newLevel;
    }
}
