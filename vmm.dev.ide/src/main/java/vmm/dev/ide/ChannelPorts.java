package vmm.dev.ide;

import java.util.Arrays;

import vmm.core.device.BusDevice;

/**
 * A channel's two legacy port ranges as bus devices: the command block (data register at 0,
 * task file at 1-7) and the control block (alternate status / device control).
 */
final class ChannelPorts {
    private ChannelPorts() {
    }

    record CommandBlock(IdeChannel channel, String name) implements BusDevice {
        @Override
        public void read(long offset, byte[] data) {
            if (offset == 0) {
                channel.readData(data);
            } else {
                Arrays.fill(data, (byte) channel.readRegister((int) offset));
            }
        }

        @Override
        public void write(long offset, byte[] data) {
            if (offset == 0) {
                channel.writeData(data);
            } else {
                channel.writeRegister((int) offset, data[0] & 0xff);
            }
        }
    }

    record ControlBlock(IdeChannel channel, String name) implements BusDevice {
        @Override
        public void read(long offset, byte[] data) {
            Arrays.fill(data, (byte) (offset == 0 ? channel.readStatus(false) : 0xff));
        }

        @Override
        public void write(long offset, byte[] data) {
            if (offset == 0) {
                channel.writeControl(data[0] & 0xff);
            }
        }
    }
}
