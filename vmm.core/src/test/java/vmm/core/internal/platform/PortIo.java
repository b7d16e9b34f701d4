package vmm.core.internal.platform;

import vmm.core.bus.Bus;

/** The guest's in/out instructions as a vCPU exit delivers them: port, size, little-endian bytes. */
final class PortIo {
    private final Bus bus;

    PortIo(Bus bus) {
        this.bus = bus;
    }

    void outb(int port, int value) {
        out(port, 1, value);
    }

    void outw(int port, int value) {
        out(port, 2, value);
    }

    void outl(int port, int value) {
        out(port, 4, value);
    }

    int inb(int port) {
        return in(port, 1);
    }

    int inw(int port) {
        return in(port, 2);
    }

    int inl(int port) {
        return in(port, 4);
    }

    private void out(int port, int size, int value) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        bus.write(port, data);
    }

    private int in(int port, int size) {
        byte[] data = new byte[size];
        bus.read(port, data);
        int value = 0;
        for (int i = 0; i < size; i++) {
            value |= (data[i] & 0xff) << (8 * i);
        }
        return value;
    }
}
