package vmm.dev.virtio.pci;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import vmm.core.device.DeviceState;

/**
 * A virtio-pci function's state in a saved machine: the transport's registers (negotiated
 * features, status, selectors, the config vector, the ISR), each queue's setup and the next
 * available index it takes, the PCI configuration space (BARs, command, MSI-X control) and the
 * MSI-X table. The rings themselves are in guest RAM, saved with it.
 */
record VirtioPciState(int deviceId, long driverFeatures, int deviceFeatureSelect, int driverFeatureSelect, int status,
                      int configGeneration, int configVector, int queueSelect, int isr, List<Queue> queues,
                      byte[] pciConfig, byte[] msix) {
    static final String TYPE = "virtio-pci";
    static final int VERSION = 1;

    /** One queue as the driver set it up. */
    record Queue(int size, int vector, boolean enabled, long desc, long driver, long device, int lastAvail) {
    }

    DeviceState toDeviceState() {
        ByteBuffer b = ByteBuffer.allocate(64 + queues.size() * 40 + pciConfig.length + msix.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(deviceId).putLong(driverFeatures).putInt(deviceFeatureSelect).putInt(driverFeatureSelect)
                .putInt(status).putInt(configGeneration).putInt(configVector).putInt(queueSelect).putInt(isr);
        b.putInt(queues.size());
        for (Queue q : queues) {
            b.putInt(q.size()).putInt(q.vector()).put((byte) (q.enabled() ? 1 : 0)).putLong(q.desc())
                    .putLong(q.driver()).putLong(q.device()).putInt(q.lastAvail());
        }
        b.putInt(pciConfig.length).put(pciConfig);
        b.putInt(msix.length).put(msix);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return new DeviceState(TYPE, VERSION, out);
    }

    /**
     * @throws IllegalArgumentException when the state is of another type, version or shape
     */
    static VirtioPciState of(DeviceState state) {
        byte[] data = state.require(TYPE, VERSION).data();
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int deviceId = b.getInt();
            long features = b.getLong();
            int dfs = b.getInt();
            int drfs = b.getInt();
            int status = b.getInt();
            int generation = b.getInt();
            int configVector = b.getInt();
            int queueSelect = b.getInt();
            int isr = b.getInt();
            int count = b.getInt();
            if (count < 0 || count > 1024) {
                throw new IllegalArgumentException(TYPE + " state with " + count + " queues");
            }
            List<Queue> queues = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                queues.add(new Queue(b.getInt(), b.getInt(), b.get() != 0, b.getLong(), b.getLong(), b.getLong(),
                        b.getInt()));
            }
            byte[] config = bytes(b);
            byte[] msix = bytes(b);
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(TYPE + " state has " + b.remaining() + " bytes too many");
            }
            return new VirtioPciState(deviceId, features, dfs, drfs, status, generation, configVector, queueSelect, isr,
                    queues, config, msix);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException(TYPE + " state truncated (" + data.length + " bytes)", e);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        int length = b.getInt();
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException(TYPE + " state is corrupt: a field of " + length + " bytes");
        }
        byte[] out = new byte[length];
        b.get(out);
        return out;
    }
}
