package vmm.core.internal.platform;

import java.util.ArrayDeque;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;

/**
 * The PS/2 controller (i8042), as much as a guest needs to find it and to reset the machine:
 * claim 0x60 with length 5 (offset 0 is the data port 0x60, offset 4 the status/command port
 * 0x64, as Firecracker does). Command 0xFE (pulse the reset line) on 0x64 calls the reset
 * callback, which is how Linux's {@code reboot=kbd} (its default) restarts a PC.
 * There is no keyboard behind it: keyboard commands are acknowledged, no keys ever arrive.
 */
public final class I8042 implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(I8042.class);
    public static final String TYPE = "i8042";
    private static final int STATE_VERSION = 1;
    public static final int BASE_PORT = 0x60;
    public static final int PORTS = 5;

    static final int DATA = 0;
    static final int STATUS_COMMAND = 4;

    static final int STATUS_OUTPUT_FULL = 0x01;
    static final int STATUS_SYSTEM = 0x04;
    static final int STATUS_COMMAND_LAST = 0x08;
    static final int STATUS_NOT_INHIBITED = 0x10;

    static final int CMD_READ_CONTROL = 0x20;
    static final int CMD_WRITE_CONTROL = 0x60;
    static final int CMD_DISABLE_AUX = 0xa7;
    static final int CMD_ENABLE_AUX = 0xa8;
    static final int CMD_SELF_TEST = 0xaa;
    static final int CMD_KBD_TEST = 0xab;
    static final int CMD_DISABLE_KBD = 0xad;
    static final int CMD_ENABLE_KBD = 0xae;
    static final int CMD_WRITE_OUTPUT_PORT = 0xd1;
    static final int CMD_WRITE_KBD_BUFFER = 0xd2;
    static final int CMD_PULSE_RESET = 0xfe;

    static final int CONTROL_KBD_INTERRUPT = 0x01;
    static final int CONTROL_SYSTEM = 0x04;
    static final int CONTROL_KBD_DISABLED = 0x10;
    static final int CONTROL_AUX_DISABLED = 0x20;
    static final int CONTROL_TRANSLATE = 0x40;

    private static final int POWER_ON_CONTROL = CONTROL_KBD_INTERRUPT | CONTROL_SYSTEM | CONTROL_TRANSLATE;

    private final Runnable onReset;
    private final IrqLine keyboardIrq;
    private final ArrayDeque<Integer> output = new ArrayDeque<>();
    private int control = POWER_ON_CONTROL;
    /** A command that takes a data byte next, or 0. */
    private int pendingCommand;
    private boolean commandLast;
    private boolean irqLevel;

    /**
     * @param onReset     called when the guest pulses the reset line
     * @param keyboardIrq IRQ 1, raised while a byte waits and the guest enabled the interrupt
     */
    public I8042(Runnable onReset, IrqLine keyboardIrq) {
        this.onReset = onReset;
        this.keyboardIrq = keyboardIrq;
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        int value = switch ((int) offset) {
            case DATA -> {
                Integer b = output.poll();
                yield b == null ? 0 : b;
            }
            case STATUS_COMMAND -> status();
            default -> 0xff;
        };
        Arrays.fill(data, (byte) 0xff);
        data[0] = (byte) value;
        updateIrq();
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        int value = data[0] & 0xff;
        switch ((int) offset) {
            case DATA -> writeData(value);
            case STATUS_COMMAND -> command(value);
            default -> LOG.debug("i8042: write 0x{} at offset {} ignored", Integer.toHexString(value), offset);
        }
        updateIrq();
    }

    private int status() {
        return (output.isEmpty() ? 0 : STATUS_OUTPUT_FULL) | STATUS_NOT_INHIBITED
                | ((control & CONTROL_SYSTEM) != 0 ? STATUS_SYSTEM : 0)
                | (commandLast ? STATUS_COMMAND_LAST : 0);
    }

    private void command(int command) {
        commandLast = true;
        pendingCommand = 0;
        switch (command) {
            case CMD_READ_CONTROL -> output.add(control);
            case CMD_WRITE_CONTROL, CMD_WRITE_OUTPUT_PORT, CMD_WRITE_KBD_BUFFER -> pendingCommand = command;
            case CMD_DISABLE_AUX -> control |= CONTROL_AUX_DISABLED;
            case CMD_ENABLE_AUX -> control &= ~CONTROL_AUX_DISABLED;
            case CMD_SELF_TEST -> {
                control |= CONTROL_SYSTEM;
                output.add(0x55);
            }
            case CMD_KBD_TEST -> output.add(0x00);
            case CMD_DISABLE_KBD -> control |= CONTROL_KBD_DISABLED;
            case CMD_ENABLE_KBD -> control &= ~CONTROL_KBD_DISABLED;
            case CMD_PULSE_RESET -> requestReset("command 0xfe");
            default -> LOG.debug("i8042: command 0x{} not implemented", Integer.toHexString(command));
        }
    }

    private void writeData(int value) {
        commandLast = false;
        int command = pendingCommand;
        pendingCommand = 0;
        switch (command) {
            case CMD_WRITE_CONTROL -> control = value;
            case CMD_WRITE_OUTPUT_PORT -> {
                // Output port bit 0 is the CPU reset line, active low.
                if ((value & 0x01) == 0) {
                    requestReset("output port 0x" + Integer.toHexString(value));
                }
            }
            case CMD_WRITE_KBD_BUFFER -> output.add(value);
            default -> keyboardCommand(value);
        }
    }

    /** No keyboard is attached, but guests probing one get the standard answers. */
    private void keyboardCommand(int value) {
        output.add(0xfa); // ACK
        if (value == 0xff) {
            output.add(0xaa); // reset: self-test passed
        } else if (value == 0xf2) {
            output.add(0xab); // identify: MF2 keyboard
            output.add(0x83);
        }
    }

    private void requestReset(String how) {
        LOG.info("i8042: guest requested a reset ({})", how);
        onReset.run();
    }

    private void updateIrq() {
        boolean level = !output.isEmpty() && (control & CONTROL_KBD_INTERRUPT) != 0;
        if (level != irqLevel) {
            irqLevel = level;
            keyboardIrq.set(level);
        }
    }

    @Override
    public synchronized void reset() {
        output.clear();
        control = POWER_ON_CONTROL;
        pendingCommand = 0;
        commandLast = false;
        updateIrq();
    }

    /** Layout: control, pending command, command-last flag, queued output bytes. */
    @Override
    public synchronized DeviceState saveState() {
        byte[] data = new byte[3 + output.size()];
        data[0] = (byte) control;
        data[1] = (byte) pendingCommand;
        data[2] = (byte) (commandLast ? 1 : 0);
        int i = 3;
        for (int b : output) {
            data[i++] = (byte) b;
        }
        return new DeviceState(TYPE, STATE_VERSION, data);
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, STATE_VERSION).data();
        if (data.length < 3) {
            throw new IllegalArgumentException(TYPE + " state too short: " + data.length + " bytes");
        }
        control = data[0] & 0xff;
        pendingCommand = data[1] & 0xff;
        commandLast = data[2] != 0;
        output.clear();
        for (int i = 3; i < data.length; i++) {
            output.add(data[i] & 0xff);
        }
        irqLevel = !output.isEmpty() && (control & CONTROL_KBD_INTERRUPT) != 0;
        keyboardIrq.set(irqLevel);
    }

    @Override
    public String name() {
        return "i8042";
    }
}
