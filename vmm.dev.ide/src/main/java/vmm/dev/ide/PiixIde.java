package vmm.dev.ide;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceState;
import vmm.core.device.IsaPorts;
import vmm.core.device.PciConfigSpace;
import vmm.core.device.PciDevice;

/**
 * The PIIX4 IDE function (8086:7111, class 01.01, prog-if 0x80: both channels in legacy
 * mode, bus-master capable), as Linux's {@code ata_piix} drives it: the primary channel at
 * ports 0x1F0-0x1F7 and 0x3F6 on ISA IRQ 14, the secondary at 0x170-0x177 and 0x376 on IRQ 15,
 * the bus-master DMA registers behind the 16-port I/O BAR 4. The timing registers at 0x40-0x4B
 * are kept so the driver reads back what it wrote; the decode-enable bits come up set, as
 * SeaBIOS leaves them.
 */
public final class PiixIde implements PciDevice, BusDevice, IsaPorts, AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PiixIde.class);
    static final int VENDOR_INTEL = 0x8086;
    static final int DEVICE_PIIX4_IDE = 0x7111;
    static final String STATE_TYPE = "ide";
    private static final int TIMING_BASE = 0x40;
    private static final int TIMING_SIZE = 0x18; // IDETIM, SIDETIM, UDMACTL, UDMATIM, up to IDE_CONFIG at 0x54

    private final PciConfigSpace config = new PciConfigSpace(VENDOR_INTEL, DEVICE_PIIX4_IDE, 0x01_01_80, 0x01);
    private final IdeChannel[] channels;
    private final IdeStats stats;
    private final byte[] timing = new byte[TIMING_SIZE];

    private final java.util.concurrent.ExecutorService io;

    PiixIde(IdeChannel primary, IdeChannel secondary, IdeStats stats, java.util.concurrent.ExecutorService io) {
        this.io = io;
        this.channels = new IdeChannel[] {primary, secondary};
        this.stats = stats;
        config.addIoBar(4, 16);
        for (IdeChannel c : channels) {
            c.masteringWhen(() -> (config.command() & PciConfigSpace.COMMAND_BUS_MASTER) != 0);
        }
        resetTiming();
    }

    private void resetTiming() {
        java.util.Arrays.fill(timing, (byte) 0);
        timing[0x01] = (byte) 0x80; // IDETIM primary: decode enable
        timing[0x03] = (byte) 0x80; // IDETIM secondary
    }

    IdeChannel channel(int index) {
        return channels[index];
    }

    /** PIO and DMA sector counts, flushes and errors since creation. */
    public long pioSectors() {
        return stats.pioSectors().get();
    }

    public long dmaSectors() {
        return stats.dmaSectors().get();
    }

    public long flushes() {
        return stats.flushes().get();
    }

    public long errors() {
        return stats.errors().get();
    }

    /**
     * The transfer mode SET FEATURES last chose for drive {@code unit} (0-3: hda-hdd) as ATA
     * codes it (0x08|n PIO n, 0x20|n MWDMA n, 0x40|n UDMA n), 0 before any, -1 without a drive.
     */
    public int transferMode(int unit) {
        AtaDrive d = channels[unit >> 1].drive(unit & 1);
        return d == null ? -1 : d.transferMode;
    }

    @Override
    public PciConfigSpace configSpace() {
        return config;
    }

    @Override
    public synchronized int readConfig(int offset, int size) {
        if (offset >= TIMING_BASE && offset + size <= TIMING_BASE + TIMING_SIZE) {
            int v = 0;
            for (int i = 0; i < size; i++) {
                v |= (timing[offset - TIMING_BASE + i] & 0xff) << (8 * i);
            }
            return v;
        }
        return config.read(offset, size);
    }

    @Override
    public synchronized void writeConfig(int offset, int size, int value) {
        if (offset >= TIMING_BASE && offset + size <= TIMING_BASE + TIMING_SIZE) {
            for (int i = 0; i < size; i++) {
                timing[offset - TIMING_BASE + i] = (byte) (value >>> (8 * i));
            }
            return;
        }
        config.write(offset, size, value);
    }

    @Override
    public BusDevice bar(int index) {
        return index == 4 ? this : null;
    }

    @Override
    public List<Claim> isaPorts() {
        List<Claim> claims = new ArrayList<>();
        int[][] legacy = {{0x1F0, 0x3F6}, {0x170, 0x376}};
        for (int i = 0; i < 2; i++) {
            String which = i == 0 ? "ide primary" : "ide secondary";
            claims.add(new Claim(which, legacy[i][0], 8, channels[i].commandBlock()));
            claims.add(new Claim(which + " control", legacy[i][1], 1, channels[i].controlBlock()));
        }
        return claims;
    }

    /** BAR 4: the bus-master registers, primary channel at 0-7, secondary at 8-15. */
    @Override
    public void read(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            data[i] = (byte) (at < 16 ? channels[(int) (at >> 3)].readBusMaster((int) (at & 7)) : 0xff);
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            if (at < 16) {
                channels[(int) (at >> 3)].writeBusMaster((int) (at & 7), data[i] & 0xff);
            }
        }
    }

    @Override
    public synchronized void reset() {
        resetTiming();
        for (IdeChannel c : channels) {
            c.reset();
        }
    }

    @Override
    public synchronized void resetConfig() {
        config.reset();
        resetTiming();
    }

    /** Version 1: the configuration space, the timing registers, then each channel's state. */
    /** Waits until the DMA transfers and flushes already started have completed. */
    void settle() {
        try {
            io.submit(() -> { }).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new UnsupportedOperationException(name() + ": its I/O thread did not settle: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnsupportedOperationException(name() + ": interrupted while its I/O settled", e);
        }
    }

    @Override
    public DeviceState saveState() {
        settle();
        return saveSettled();
    }

    private synchronized DeviceState saveSettled() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.write(config.snapshot());
            out.write(timing);
            for (IdeChannel c : channels) {
                c.save(out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing to memory cannot fail", e);
        }
        return new DeviceState(STATE_TYPE, 1, bytes.toByteArray());
    }

    @Override
    public synchronized void restoreState(DeviceState state) {
        byte[] data = state.require(STATE_TYPE, 1).data();
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(data))) {
            byte[] cfg = in.readNBytes(PciConfigSpace.SIZE);
            byte[] savedTiming = in.readNBytes(TIMING_SIZE);
            if (savedTiming.length != TIMING_SIZE) {
                throw new IllegalArgumentException(STATE_TYPE + " state truncated (" + data.length + " bytes)");
            }
            for (IdeChannel c : channels) {
                c.restore(in);
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException(STATE_TYPE + " state has " + in.available() + " bytes too many");
            }
            config.restore(cfg);
            System.arraycopy(savedTiming, 0, timing, 0, TIMING_SIZE);
        } catch (IOException e) {
            throw new IllegalArgumentException(STATE_TYPE + " state truncated (" + data.length + " bytes)", e);
        }
    }

    @Override
    public String name() {
        return "piix4-ide";
    }

    @Override
    public void close() throws IOException {
        io.shutdown();
        try {
            if (!io.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("{}: I/O still running after 30 s, closing the images anyway", name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IOException first = null;
        for (IdeChannel c : channels) {
            try {
                c.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
