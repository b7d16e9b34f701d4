package vmm.core.internal.platform;

import java.util.Arrays;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;

/**
 * QEMU's {@code isa-debug-exit} (claim port 0xf4, 4 ports): a guest write of value {@code v}
 * ends the VM with exit status {@code (v << 1) | 1}. Test guests use it to report pass/fail,
 * and the same guest runs unchanged under QEMU and here. Status 0 is never produced, so a
 * plain shutdown can always be told from a guest's report.
 */
public final class DebugExit implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(DebugExit.class);
    public static final int PORT = 0xf4;
    public static final int PORTS = 4;
    public static final String TYPE = "isa-debug-exit";

    private final IntConsumer onExit;

    /** @param onExit called with the exit status; the machine stops the VM there */
    public DebugExit(IntConsumer onExit) {
        this.onExit = onExit;
    }

    @Override
    public void read(long offset, byte[] data) {
        Arrays.fill(data, (byte) 0xff);
    }

    /** The value is the access's bytes, little-endian (a byte, word or dword write). */
    @Override
    public void write(long offset, byte[] data) {
        int value = 0;
        for (int i = 0; i < Math.min(4, data.length); i++) {
            value |= (data[i] & 0xff) << (8 * i);
        }
        int status = (value << 1) | 1;
        LOG.info("debug-exit: guest wrote 0x{}, exit status {}", Integer.toHexString(value), status);
        onExit.accept(status);
    }

    /** No state; saving succeeds so a machine with this device can be snapshotted. */
    @Override
    public DeviceState saveState() {
        return new DeviceState(TYPE, 1, new byte[0]);
    }

    @Override
    public void restoreState(DeviceState state) {
        state.require(TYPE, 1);
    }

    @Override
    public String name() {
        return "debug-exit";
    }
}
