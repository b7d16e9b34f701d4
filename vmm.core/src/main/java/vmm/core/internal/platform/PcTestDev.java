package vmm.core.internal.platform;

import java.util.Arrays;
import java.util.function.IntFunction;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;

/**
 * QEMU's {@code pc-testdev}, which kvm-unit-tests drive: a 32-bit scratch register at ports
 * 0xE0-0xE3 (any width, byte lanes as on a real bus), a page-flush port at 0xE4 (the written
 * guest-physical address's page is dropped from the CPU's code cache: the machine passes the
 * callback), interrupt-line ports 0x2000-0x2017 (a byte write sets ISA/GSI line n to 0 or 1)
 * and 64 KiB of RAM-like MMIO at 0xFF000000. Four views share the state: {@link #scratch()},
 * {@link #flush()}, {@link #irqPorts()}, {@link #iomem()}.
 */
public final class PcTestDev {
    public static final String TYPE = "pc-testdev";
    public static final int SCRATCH_PORT = 0xe0;
    public static final int FLUSH_PORT = 0xe4;
    public static final int IRQ_PORT = 0x2000;
    public static final int IRQ_LINES = 24;
    public static final long IOMEM_BASE = 0xff00_0000L;
    public static final int IOMEM_SIZE = 0x1_0000;

    /** Drops cached code of {@code [gpa, gpa + length)}. */
    @FunctionalInterface
    public interface CodeFlush {
        void invalidate(long gpa, long length);
    }

    private final IrqLine[] lines = new IrqLine[IRQ_LINES];
    private final CodeFlush flush;
    private final byte[] iomem = new byte[IOMEM_SIZE];
    private int scratch;

    /** @param irqs the machine's line n for n in 0-23 */
    public PcTestDev(IntFunction<IrqLine> irqs, CodeFlush flush) {
        for (int i = 0; i < IRQ_LINES; i++) {
            lines[i] = irqs.apply(i);
        }
        this.flush = flush;
    }

    public BusDevice scratch() {
        return new BusDevice() {
            @Override
            public void read(long offset, byte[] data) {
                synchronized (PcTestDev.this) {
                    for (int i = 0; i < data.length; i++) {
                        long at = offset + i;
                        data[i] = at < 4 ? (byte) (scratch >>> (8 * at)) : 0;
                    }
                }
            }

            @Override
            public void write(long offset, byte[] data) {
                synchronized (PcTestDev.this) {
                    for (int i = 0; i < data.length && offset + i < 4; i++) {
                        int shift = (int) (8 * (offset + i));
                        scratch = (scratch & ~(0xff << shift)) | (data[i] & 0xff) << shift;
                    }
                }
            }

            @Override
            public void reset() {
                PcTestDev.this.reset();
            }

            @Override
            public DeviceState saveState() {
                return PcTestDev.this.saveState();
            }

            @Override
            public void restoreState(DeviceState state) {
                PcTestDev.this.restoreState(state);
            }

            @Override
            public String name() {
                return "pc-testdev";
            }
        };
    }

    public BusDevice flush() {
        return new Stateless("pc-testdev-flush") {
            @Override
            public void write(long offset, byte[] data) {
                long gpa = 0;
                for (int i = 0; i < Math.min(8, data.length); i++) {
                    gpa |= (data[i] & 0xffL) << (8 * i);
                }
                flush.invalidate(gpa & ~0xfffL, 0x1000);
            }
        };
    }

    public BusDevice irqPorts() {
        return new Stateless("pc-testdev-irq") {
            @Override
            public void write(long offset, byte[] data) {
                boolean level = false;
                for (byte b : data) {
                    level |= b != 0; // QEMU sets the line to !!value of the whole access
                }
                if (offset >= 0 && offset < IRQ_LINES) {
                    lines[(int) offset].set(level);
                }
            }
        };
    }

    public BusDevice iomem() {
        return new Stateless("pc-testdev-iomem") {
            @Override
            public void read(long offset, byte[] data) {
                synchronized (PcTestDev.this) {
                    for (int i = 0; i < data.length; i++) {
                        long at = offset + i;
                        data[i] = at < IOMEM_SIZE ? iomem[(int) at] : 0;
                    }
                }
            }

            @Override
            public void write(long offset, byte[] data) {
                synchronized (PcTestDev.this) {
                    for (int i = 0; i < data.length && offset + i < IOMEM_SIZE; i++) {
                        iomem[(int) (offset + i)] = data[i];
                    }
                }
            }
        };
    }

    /** A view whose state belongs to the scratch view. */
    private abstract static class Stateless implements BusDevice {
        private final String name;

        Stateless(String name) {
            this.name = name;
        }

        @Override
        public void read(long offset, byte[] data) {
            Arrays.fill(data, (byte) 0);
        }

        @Override
        public DeviceState saveState() {
            return new DeviceState(name, 1, new byte[0]);
        }

        @Override
        public void restoreState(DeviceState state) {
            state.require(name, 1);
        }

        @Override
        public String name() {
            return name;
        }
    }

    synchronized void reset() {
        scratch = 0;
        Arrays.fill(iomem, (byte) 0);
    }

    synchronized DeviceState saveState() {
        byte[] data = Arrays.copyOf(new byte[] {(byte) scratch, (byte) (scratch >>> 8), (byte) (scratch >>> 16),
            (byte) (scratch >>> 24)}, 4 + IOMEM_SIZE);
        System.arraycopy(iomem, 0, data, 4, IOMEM_SIZE);
        return new DeviceState(TYPE, 1, data);
    }

    synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(TYPE, 1).data();
        if (data.length != 4 + IOMEM_SIZE) {
            throw new IllegalArgumentException(TYPE + " state is " + (4 + IOMEM_SIZE) + " bytes, not " + data.length);
        }
        scratch = (data[0] & 0xff) | (data[1] & 0xff) << 8 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 24;
        System.arraycopy(data, 4, iomem, 0, IOMEM_SIZE);
    }
}
