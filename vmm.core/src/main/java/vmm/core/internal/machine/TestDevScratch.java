package vmm.core.internal.machine;

import vmm.core.device.BusDevice;

/**
 * The storage parts of QEMU's pc-testdev, which test guests (and kvm-unit-tests) use for port
 * and MMIO round trips: a 4-byte scratch register at port 0xe0 and a 64 KiB RAM-like window at
 * 0xff000000. Part of {@link LegacyBoard} until the platform's full pc-testdev replaces it.
 */
final class TestDevScratch implements BusDevice {

    static final int PORT = 0xe0, PORT_SIZE = 4;
    static final long IOMEM = 0xff00_0000L;
    static final int IOMEM_SIZE = 0x1_0000;

    private final byte[] bytes;
    private final String name;

    TestDevScratch(int size, String name) {
        this.bytes = new byte[size];
        this.name = name;
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        System.arraycopy(bytes, (int) offset, data, 0, data.length);
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        System.arraycopy(data, 0, bytes, (int) offset, data.length);
    }

    @Override
    public synchronized void reset() {
        java.util.Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public String name() {
        return name;
    }
}
